/*
 * Support chat widget. One file, no framework, no external requests beyond its own server.
 *
 * Embed:  <script src="https://YOUR-GATEWAY/widget.js" defer></script>
 * Options on that script tag (all optional):
 *   data-inline="#css-selector"  show the chat inside that element instead of a launcher button
 *   data-api="https://..."       the gateway's address, if not the one this file came from
 *
 * What it keeps: the session id and the conversation, in this page's memory only. No cookies, no
 * localStorage, no sessionStorage; a reload starts afresh. Text is shown through a small, safe
 * Markdown subset built with DOM calls and textContent: nothing from the server or the user is
 * ever parsed as HTML.
 *
 * Words: every label, note and the offline crisis text come from the content pack (channels.yml),
 * written into this file by the gateway as it serves it (BOOT below), so nothing here is in any one
 * language. A copy served without them (not from a gateway) does not start: better no widget than
 * one whose buttons have no names.
 *
 * Quick exit (the button, Shift pressed three times on its own, or Escape) blanks the page at
 * once, asks the server to forget the conversation, and replaces the top page with a neutral one
 * (location.replace, so Back does not return). Browser history is not erased; the widget says so.
 * Behaviour follows GOV.UK Design System's "Exit this page": see docs/web-widget.md.
 */
(function () {
  'use strict';

  var script = document.currentScript;
  var MOUNTED = 'data-sg-widget';
  if (!script || document.documentElement.hasAttribute(MOUNTED)) return;

  /* The gateway replaces the comment and null with the pack's words and settings (bot/gateway/web.py). */
  var BOOT = /*SG_BOOT*/null;
  var REQUIRED = ['quick_exit', 'quick_exit_label', 'launcher', 'send', 'input_label', 'unreachable'];
  if (!BOOT || typeof BOOT !== 'object' || !BOOT.labels || !Array.isArray(BOOT.fallback) || typeof BOOT.exit_url !== 'string' ||
      REQUIRED.some(function (key) { return typeof BOOT.labels[key] !== 'string' || !BOOT.labels[key]; })) {
    if (window.console) window.console.warn('widget.js: load it from the chat gateway, which adds its words; not starting.');
    return;
  }
  document.documentElement.setAttribute(MOUNTED, '');

  var API = (script.getAttribute('data-api') || new URL(script.src, document.baseURI).origin).replace(/\/+$/, '');
  var INLINE = script.getAttribute('data-inline');
  /* Gaps of up to this long between Shift presses still count (as GOV.UK's Exit this page). */
  var SHIFT_GAP_MS = 5000;
  var REQUEST_TIMEOUT_MS = 20000;

  /* The widget's words, by key (channels.yml, group widget); a missing one reads as nothing. */
  function T(key) {
    var text = BOOT.labels[key];
    return typeof text === 'string' ? text : '';
  }

  /* Settled by applyConfig(BOOT) as the widget is built; the fallback is what a survivor sees
     if the server can't be reached at all: crisis numbers and helplines. */
  var state = {
    session: null,
    title: '',
    exitUrl: '',
    maxChars: 2000,
    fallback: [],
    queue: Promise.resolve(),
    exiting: false,
    shiftCount: 0,
    shiftTimer: null,
    lastKeyWasModified: false
  };

  /* ---- DOM helpers (no innerHTML anywhere) ---------------------------------------------------- */

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

  function hiddenText(text) {
    return el('span', { 'class': 'sg-vh' }, text);
  }

  /* ---- Safe Markdown subset ------------------------------------------------------------------- */

  var INLINE_TOKEN = /\[([^\]\n]+)\]\(([^)\s]+)\)|\*\*(.+?)\*\*|(^|[\s(])_([^_\n]+)_(?=$|[\s).,;:!?])|(https:\/\/[^\s<>"'()[\]]+)/;
  /* UK numbers: 10 or 11 digits from 0 or +44 (spaces or dashes allowed), 116 xxx, and 999/111/101. */
  var PHONE = /(^|[^\w+])((?:\+44 ?|0)\d(?:[ -]?\d){8,9}|116 ?\d{3}|999|111|101)(?![\w])/g;

  function safeHref(url) {
    if (/^tel:\+?[\d -]+$/i.test(url)) return url.replace(/[ -]/g, '');
    if (!/^https:\/\/[^\s"'<>\\]+$/i.test(url)) return null;
    try {
      return new URL(url).protocol === 'https:' ? url : null;
    } catch (e) {
      return null;
    }
  }

  function link(href, text, parent) {
    var a = el('a', { href: href }, text);
    if (href.indexOf('https:') === 0) {
      a.setAttribute('target', '_blank');
      a.setAttribute('rel', 'noopener noreferrer');
      a.appendChild(hiddenText(' ' + T('new_tab')));
    }
    parent.appendChild(a);
  }

  function addText(text, parent) {
    if (text) parent.appendChild(document.createTextNode(text));
  }

  function withPhones(text, parent) {
    var last = 0;
    var match;
    PHONE.lastIndex = 0;
    while ((match = PHONE.exec(text)) !== null) {
      var start = match.index + match[1].length;
      var number = match[2];
      var digits = number.replace(/\D/g, '');
      addText(text.slice(last, start), parent);
      if (number.charAt(0) === '+') link('tel:+' + digits, number, parent);
      else link('tel:' + digits, number, parent);
      last = start + number.length;
    }
    addText(text.slice(last), parent);
  }

  function inline(text, parent) {
    var rest = text;
    var match;
    while (rest && (match = INLINE_TOKEN.exec(rest)) !== null) {
      var before = rest.slice(0, match.index) + (match[4] || '');
      withPhones(before, parent);
      var consumed = match[0].length;
      if (match[1] !== undefined) {
        var href = safeHref(match[2]);
        if (href) link(href, match[1], parent);
        else withPhones(match[1], parent);
      } else if (match[3] !== undefined) {
        var strong = el('strong');
        inline(match[3], strong);
        parent.appendChild(strong);
      } else if (match[5] !== undefined) {
        var em = el('em');
        inline(match[5], em);
        parent.appendChild(em);
      } else {
        var url = match[6].replace(/[.,;:!?]+$/, '');
        consumed = match[0].length - (match[6].length - url.length);
        if (safeHref(url)) link(url, url, parent);
        else addText(url, parent);
      }
      rest = rest.slice(match.index + consumed);
    }
    withPhones(rest, parent);
  }

  /* Paragraphs (blank lines), line breaks, and "- " lists. */
  function markdown(text, parent) {
    var paragraph = null;
    var list = null;
    String(text).replace(/\r\n?/g, '\n').split('\n').forEach(function (line) {
      var trimmed = line.trim();
      var item = /^[-\u2022]\s+(.*)$/.exec(trimmed);
      if (!trimmed) {
        paragraph = list = null;
      } else if (item) {
        paragraph = null;
        if (!list) parent.appendChild((list = el('ul')));
        var li = el('li');
        inline(item[1], li);
        list.appendChild(li);
      } else {
        list = null;
        if (!paragraph) parent.appendChild((paragraph = el('p')));
        else paragraph.appendChild(el('br'));
        inline(trimmed, paragraph);
      }
    });
  }

  /* ---- Building the widget -------------------------------------------------------------------- */
  /* Built once the page is parsed, so a data-inline element later in the page is found. */
  function build() {
    var container = INLINE ? document.querySelector(INLINE) : null;
    var floating = !container;

    var root = el('aside', {
      'class': 'sg-root ' + (floating ? 'sg-root--floating' : 'sg-root--inline'),
      'aria-label': T('region'),
      /* The pack's language, which may not be the host page's. */
      lang: typeof BOOT.locale === 'string' && /^[a-z]{2}(-[A-Z]{2})?$/.test(BOOT.locale) ? BOOT.locale : null
    });
    /* The visible words start the spoken name, so voice control users can say "Quick exit". */
    var exitButton = el('button', { type: 'button', 'class': 'sg-exit', 'aria-label': T('quick_exit_label') }, T('quick_exit'));
    var status = el('p', { 'class': 'sg-vh', role: 'status' });

    var panel = el('section', { 'class': 'sg-panel', id: 'sg-panel', 'aria-labelledby': 'sg-title' });
    var header = el('div', { 'class': 'sg-header' });
    var avatar = el('img', { 'class': 'sg-avatar', alt: '', width: '32', height: '32' });
    avatar.hidden = true;
    var title = el('h2', { 'class': 'sg-title', id: 'sg-title' }, state.title);
    header.appendChild(avatar);
    header.appendChild(title);
    var closeButton = null;
    if (floating) {
      closeButton = el('button', { type: 'button', 'class': 'sg-close', 'aria-label': T('close') });
      closeButton.appendChild(el('span', { 'aria-hidden': 'true' }, '\u00d7'));
      header.appendChild(closeButton);
    }
    var intro = el('p', { 'class': 'sg-intro' });
    intro.hidden = true;
    var log = el('div', {
      'class': 'sg-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': T('conversation'), tabindex: '0'
    });
    var typing = el('div', { 'class': 'sg-typing', 'aria-hidden': 'true' });
    typing.hidden = true;
    for (var dot = 0; dot < 3; dot += 1) typing.appendChild(el('span', { 'class': 'sg-dot' }));
    var form = el('form', { 'class': 'sg-form', novalidate: '' });
    var input = el('textarea', {
      id: 'sg-input', 'class': 'sg-input', rows: '2', autocomplete: 'off', maxlength: String(state.maxChars)
    });
    var label = el('label', { 'for': 'sg-input', 'class': 'sg-vh' }, T('input_label'));
    var sendButton = el('button', { type: 'submit', 'class': 'sg-send' }, T('send'));
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(sendButton);
    var notice = el('p', { 'class': 'sg-notice' }, T('notice'));

    panel.appendChild(header);
    panel.appendChild(log);
    panel.appendChild(typing);
    panel.appendChild(form);
    panel.appendChild(notice);

    root.appendChild(exitButton);
    root.appendChild(panel);
    var launcher = null;
    if (floating) {
      launcher = el('button', { type: 'button', 'class': 'sg-launcher', 'aria-expanded': 'false', 'aria-controls': 'sg-panel' }, T('launcher'));
      panel.hidden = true;
      root.appendChild(launcher);
    }
    root.appendChild(status);

    var stylesheet = el('link', { rel: 'stylesheet', href: API + '/widget.css' });

    function mount() {
      /* Shown once its style has loaded (or failed to), so it never flashes unstyled. */
      if (!document.querySelector('link[href="' + API + '/widget.css"]')) {
        root.hidden = true;
        stylesheet.addEventListener('load', function () { root.hidden = false; });
        stylesheet.addEventListener('error', function () { root.hidden = false; });
        document.head.appendChild(stylesheet);
      }
      if (container) container.appendChild(root);
      else document.body.appendChild(root);
      startSession();
    }

    /* ---- Messages ------------------------------------------------------------------------------- */

    function scrollToEnd() {
      log.scrollTop = log.scrollHeight;
    }

    function addUserMessage(text) {
      var item = el('div', { 'class': 'sg-msg sg-msg--user' });
      item.appendChild(hiddenText(T('you_said') + ' '));
      item.appendChild(el('p', null, text));
      log.appendChild(item);
      scrollToEnd();
    }

    function addNote(text) {
      log.appendChild(el('p', { 'class': 'sg-note' }, text));
      scrollToEnd();
    }

    function addReplies(replies) {
      replies.forEach(function (reply) {
        var item = el('div', { 'class': 'sg-msg sg-msg--bot' });
        item.appendChild(hiddenText(T('bot_said') + ' '));
        markdown(reply.text || '', item);
        log.appendChild(item);
        var buttons = Array.isArray(reply.buttons) ? reply.buttons : [];
        if (buttons.length) {
          var group = el('div', { 'class': 'sg-choices', role: 'group', 'aria-label': T('options') });
          buttons.forEach(function (b) {
            if (!b || typeof b.title !== 'string' || typeof b.payload !== 'string') return;
            var button = el('button', { type: 'button', 'class': 'sg-choice' }, b.title);
            button.addEventListener('click', function () {
              send(b.payload, b.title);
              input.focus();
            });
            group.appendChild(button);
          });
          log.appendChild(group);
        }
      });
      scrollToEnd();
    }

    function setTyping(on) {
      typing.hidden = !on;
      status.textContent = on ? T('typing') : '';
      if (on) scrollToEnd();
    }

    /* ---- Talking to the gateway ----------------------------------------------------------------- */

    function post(path, body) {
      var controller = typeof AbortController === 'function' ? new AbortController() : null;
      var timer = controller ? setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
      return fetch(API + path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body || {}),
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        return response.json().then(
          function (data) { return { status: response.status, data: data || {} }; },
          function () { return { status: response.status, data: {} }; }
        );
      }, function () {
        return { status: 0, data: {} };
      }).then(function (result) {
        if (timer) clearTimeout(timer);
        return result;
      });
    }

    function applyConfig(data) {
      var branding = data.branding || {};
      if (typeof branding.title === 'string' && branding.title) {
        state.title = branding.title;
        title.textContent = branding.title;
      }
      var colour = /^#[0-9a-fA-F]{6}$/;
      /* CSSOM custom properties, not a style attribute: allowed under style-src 'self'. */
      if (colour.test(branding.primary || '')) root.style.setProperty('--sg-primary', branding.primary);
      if (colour.test(branding.on_primary || '')) root.style.setProperty('--sg-on-primary', branding.on_primary);
      if (typeof branding.avatar_url === 'string' && safeHref(branding.avatar_url) && branding.avatar_url.indexOf('https:') === 0) {
        avatar.src = branding.avatar_url;
        avatar.hidden = false;
      }
      if (typeof branding.intro === 'string' && branding.intro) {
        intro.textContent = branding.intro;
        intro.hidden = false;
        /* The first thing in the conversation, so it scrolls away instead of taking room. */
        if (!intro.parentNode) log.insertBefore(intro, log.firstChild);
      }
      if (typeof data.exit_url === 'string' && /^https?:\/\/[^\s"'<>\\]+$/.test(data.exit_url)) state.exitUrl = data.exit_url;
      if (typeof data.max_chars === 'number' && data.max_chars > 0) {
        state.maxChars = data.max_chars;
        input.setAttribute('maxlength', String(data.max_chars));
      }
      if (Array.isArray(data.fallback) && data.fallback.length) state.fallback = data.fallback;
    }

    function startSession() {
      return post('/api/session').then(function (result) {
        if (result.status === 200 && typeof result.data.session === 'string') {
          state.session = result.data.session;
          applyConfig(result.data);
          return true;
        }
        return false;
      });
    }

    function ensureSession() {
      return state.session ? Promise.resolve(true) : startSession();
    }

    function unreachable(text) {
      addNote(T('unreachable'));
      addReplies(state.fallback);
      if (!input.value) input.value = text;
    }

    function deliver(text, shownAs, retried) {
      return ensureSession().then(function (ok) {
        if (!ok) return { status: 0, data: {} };
        return post('/api/message', { session: state.session, text: text });
      }).then(function (result) {
        var data = result.data;
        if (result.status === 200 && Array.isArray(data.replies)) {
          addReplies(data.replies);
        } else if ((result.status === 401 || result.status === 410) && !retried) {
          state.session = null;
          addNote(T('new_session'));
          return deliver(text, shownAs, true);
        } else if (result.status === 413 || result.status === 429 || result.status === 400) {
          addNote(typeof data.message === 'string' ? data.message : T('unreachable'));
          if (!input.value && shownAs === text) input.value = text;
        } else {
          /* Down, refused (403) or answering nonsense: the crisis numbers, never a dead end. */
          unreachable(shownAs === text ? text : '');
        }
        return null;
      });
    }

    function send(text, shownAs) {
      if (state.exiting) return;
      text = String(text).trim();
      if (!text) return;
      if (text.length > state.maxChars) {
        addNote(T('too_long'));
        return;
      }
      var old = log.querySelectorAll('.sg-choices');
      for (var i = 0; i < old.length; i += 1) old[i].parentNode.removeChild(old[i]);
      addUserMessage(shownAs || text);
      state.queue = state.queue.then(function () {
        setTyping(true);
        return deliver(text, shownAs || text, false);
      }).then(function () {
        setTyping(false);
      }, function () {
        setTyping(false);
      });
    }

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var text = input.value;
      if (!text.trim()) return;
      input.value = '';
      send(text);
      input.focus();
    });

    input.addEventListener('keydown', function (event) {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (typeof form.requestSubmit === 'function') form.requestSubmit();
        else form.dispatchEvent(new Event('submit', { cancelable: true }));
      }
    });

    /* ---- Open and close (floating mode) --------------------------------------------------------- */

    function open() {
      panel.hidden = false;
      launcher.hidden = true;
      launcher.setAttribute('aria-expanded', 'true');
      root.classList.add('sg-root--open');
      input.focus();
    }

    function close() {
      panel.hidden = true;
      launcher.hidden = false;
      launcher.setAttribute('aria-expanded', 'false');
      root.classList.remove('sg-root--open');
      launcher.focus();
    }

    if (floating) {
      launcher.addEventListener('click', open);
      closeButton.addEventListener('click', close);
    }

    /* ---- Quick exit ----------------------------------------------------------------------------- */

    /* Ask the server to forget this conversation; works while the page is being left. */
    function forgetOnServer() {
      var session = state.session;
      state.session = null;
      if (!session) return;
      var body = JSON.stringify({ session: session });
      var sent = false;
      try {
        /* text/plain needs no CORS preflight, so the request leaves before the page does. */
        sent = !!(navigator.sendBeacon && navigator.sendBeacon(API + '/api/forget', new Blob([body], { type: 'text/plain;charset=UTF-8' })));
      } catch (e) {
        sent = false;
      }
      if (!sent) {
        try {
          fetch(API + '/api/forget', {
            method: 'POST', body: body, keepalive: true, credentials: 'omit', referrerPolicy: 'no-referrer',
            headers: { 'Content-Type': 'text/plain;charset=UTF-8' }
          }).catch(function () {});
        } catch (e) { /* nothing more can be done from here */ }
      }
    }

    var overlay = null;

    function quickExit(event) {
      if (event) event.preventDefault();
      if (state.exiting) return;
      state.exiting = true;
      /* 1. Blank at once: the whole page, and the conversation itself. */
      document.documentElement.classList.add('sg-exiting');
      overlay = el('div', { 'class': 'sg-overlay', role: 'alert' });
      document.body.appendChild(overlay);
      overlay.textContent = T('leaving');
      log.textContent = '';
      input.value = '';
      panel.hidden = true;
      /* 2. Forget on the server. */
      forgetOnServer();
      /* 3. Leave: the top page, replaced so that Back does not come here. */
      var away = state.exitUrl || 'about:blank';
      try {
        window.top.location.replace(away);
      } catch (e) {
        window.location.replace(away);
      }
    }

    exitButton.addEventListener('click', quickExit);

    function resetShift(announce) {
      if (state.shiftTimer) clearTimeout(state.shiftTimer);
      state.shiftTimer = null;
      if (state.shiftCount && announce) status.textContent = T('shift_expired');
      state.shiftCount = 0;
    }

    /* Shift three times on its own: counted on keyup, and a Shift used as a modifier does not count. */
    document.addEventListener('keyup', function (event) {
      if (event.key === 'Shift' && !state.lastKeyWasModified) {
        state.shiftCount += 1;
        if (state.shiftCount >= 3) {
          resetShift(false);
          quickExit();
        } else {
          status.textContent = state.shiftCount === 1 ? T('shift_2') : T('shift_1');
          if (state.shiftTimer) clearTimeout(state.shiftTimer);
          state.shiftTimer = setTimeout(function () { resetShift(true); }, SHIFT_GAP_MS);
        }
      } else if (state.shiftCount) {
        resetShift(false);
      }
      state.lastKeyWasModified = event.shiftKey;
    }, true);

    document.addEventListener('keydown', function (event) {
      if ((event.key === 'Escape' || event.key === 'Esc') && !event.isComposing) quickExit(event);
    }, true);

    /* Leaving the page ends the conversation too: nothing waits on the server until it expires. */
    window.addEventListener('pagehide', forgetOnServer);

    /* A page restored from the back/forward cache must not stay blank or hold an old session. */
    window.addEventListener('pageshow', function (event) {
      if (!event.persisted) return;
      document.documentElement.classList.remove('sg-exiting');
      if (overlay && overlay.parentNode) overlay.parentNode.removeChild(overlay);
      overlay = null;
      state.exiting = false;
      state.session = null;
      log.textContent = '';
      log.appendChild(intro);
      if (!floating) panel.hidden = false;
      else if (root.classList.contains('sg-root--open')) close();
      startSession();
    });

    applyConfig(BOOT);
    mount();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', build);
  else build();
})();
