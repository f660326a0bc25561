// Kraftsamla's own few lines: the timer countdown, live pages that heal themselves (after the
// wifi drops, a phone sleeps or the server restarts), taps and drafts that wait for the wifi,
// and the facilitator's keyboard shortcuts.
// Everything works without this file except the live countdown, healing and the shortcuts.
(function () {
  "use strict";

  // --- Stage timer: count down from what the server last sent. ---
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    document.querySelectorAll(".timer[data-running]").forEach(function (el) {
      if (!el.dataset.end) {
        el.dataset.end = String(Date.now() + Number(el.dataset.left || 0) * 1000);
      }
      var left = Math.max(0, Math.round((Number(el.dataset.end) - Date.now()) / 1000));
      var value = el.querySelector(".timer-value");
      if (value) { value.textContent = Math.floor(left / 60) + ":" + pad(left % 60); }
      el.classList.toggle("ending", left > 0 && left <= 60);
      el.classList.toggle("done", left === 0);
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);

  // === Live pages heal themselves ===========================================================
  // A screen in the room loses the wifi for seconds, sleeps in a pocket, or sees the laptop's
  // server restart. Whatever it missed, it must end showing what a fresh load would show. The
  // stream replays missed events (Last-Event-ID, ?last=), but nothing rests on that or on any one
  // request: on every reconnect, after a sleep and on every stage change the page fetches its
  // own panel again (its own address as an HTMX request: the server answers the panel block),
  // retrying with backoff until that works. Taps that could not be sent wait in an outbox and go
  // again with the same idempotency key; a half-written note is kept in the browser.
  var root = document.querySelector("[data-live]");
  var RETRY_CAP_MS = 5000;   // backoff of every retry here: 0.5/1 s, doubling, at most 5 s
  var TIMEOUT_MS = 6000;     // our own requests: on the venue's LAN, longer means a dead connection
  var GRACE_MS = 3000;       // a stream the browser reopens at once (server says retry: 2 s) is no outage
  var SILENCE_MS = 25000;    // the server pings every 15 s: this long without a word is a dead stream

  function say(name) {  // the words come from the page, in its language
    var el = document.querySelector('#ks-says [data-say="' + name + '"]');
    return el ? el.textContent.trim() : "";
  }
  function alertPerson(text) {
    var el = document.getElementById("ks-alert");
    if (el) { el.textContent = text; el.hidden = !text; }
  }
  function backoff(ms, first) { return Math.min(RETRY_CAP_MS, Math.max(first, ms * 2)); }
  function seqOf(el) { return Number(el && el.getAttribute("data-seq")) || 0; }
  function newKey() {  // crypto.randomUUID needs https; the venue's wifi is plain http
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }
  function stored(key) { try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; } }
  function store(key, value) {
    try { if (value === null) { localStorage.removeItem(key); } else { localStorage.setItem(key, JSON.stringify(value)); } } catch (e) { /* private mode: memory only */ }
  }

  // What the server said when it refused: an error page's alert, a JSON detail, or the status.
  function messageOf(xhr) {
    var text = xhr.responseText || "";
    try { var detail = JSON.parse(text).detail; if (typeof detail === "string") { return detail; } } catch (e) { /* HTML */ }
    var doc = new DOMParser().parseFromString(text, "text/html");
    var el = doc.querySelector("#panel [role=alert], main [role=alert], h1");
    return el ? el.textContent.trim() : String(xhr.status);
  }

  // Our own requests (a heal, a tap sent again) look like HTMX's: the server answers the panel.
  function send(method, url, body, done) {
    var xhr = new XMLHttpRequest(), finished = false, csrf = "";
    try { csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; } catch (e) { /* none */ }
    function end() { if (!finished) { finished = true; done(xhr); } }
    xhr.open(method, url, true);
    xhr.timeout = TIMEOUT_MS;
    xhr.setRequestHeader("HX-Request", "true");
    xhr.setRequestHeader("HX-Current-URL", location.href);
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    if (body !== null) { xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded"); }
    xhr.onload = end; xhr.onerror = end; xhr.ontimeout = end; xhr.onabort = end;
    xhr.send(body);
  }

  // --- Connection state: <body data-connection="online|offline">; the banner shows from it. ---
  var streamDown = false, requestsFailing = false, graceTimer = null;
  function showConnection() {
    if (!root) { return; }
    document.body.setAttribute("data-connection", streamDown || requestsFailing ? "offline" : "online");
  }
  function requestFailed() { requestsFailing = true; showConnection(); }
  function requestWorked() { if (requestsFailing) { requestsFailing = false; showConnection(); } }

  // --- The stream and its watchdog. htmx's SSE extension opens every EventSource through
  // htmx.createEventSource: wrapping it hands us each one, also those the extension opens after
  // a drop, so that a connection that hangs without a word (wifi gone without a reset, a NAT entry
  // expired while the phone slept) is closed and opened again. Errors count as signs of life: the
  // browser is retrying by itself and failing fast, not hanging.
  var source = null, heard = Date.now(), opens = 0, lastTick = Date.now(), hiddenAt = 0;
  var nav = window.performance && performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
  var missed = !!(nav && nav.type === "back_forward");  // a page from the cache may be old
  function hear() { heard = Date.now(); }
  if (root && window.htmx && htmx.createEventSource) {
    var create = htmx.createEventSource;
    htmx.createEventSource = function (url) {
      var stream = create(url);
      source = stream;
      hear();
      stream.addEventListener("ping", hear);
      stream.addEventListener("error", function () { if (stream.readyState === 0) { hear(); } });
      return stream;
    };
  }
  function checkStream() {
    if (source && source.readyState !== 2 && Date.now() - heard > SILENCE_MS) {
      var dead = source;
      dead.close();
      dead.dispatchEvent(new Event("error"));  // the extension opens a new one (from ?last=)
    }
  }
  if (root) {
    setInterval(function () {
      var now = Date.now(), slept = now - lastTick > SILENCE_MS;  // timers stood still
      lastTick = now;
      checkStream();
      if (slept && !document.hidden) { reconcile(); }  // a hidden tab's timers are only slowed
    }, 2500);
  }
  // Woken, back in view, back on the network: see at once whether the stream is still alive.
  document.addEventListener("visibilitychange", function () {
    if (!root) { return; }
    if (document.hidden) { hiddenAt = Date.now(); return; }
    checkStream();
    if (hiddenAt && Date.now() - hiddenAt > SILENCE_MS) { reconcile(); }
  });
  window.addEventListener("online", function () { if (root) { checkStream(); reconcile(); } });
  window.addEventListener("pageshow", function (evt) { if (root && evt.persisted) { checkStream(); reconcile(); } });

  document.addEventListener("htmx:sseOpen", function () {
    hear();
    clearTimeout(graceTimer);
    streamDown = false;
    requestsFailing = false;
    showConnection();
    opens += 1;
    if (opens > 1 || missed) { reconcile(); }  // the first open of a fresh page resumes from ?last=
    missed = false;
  });
  document.addEventListener("htmx:sseError", function () {
    missed = true;
    if (streamDown) { return; }
    streamDown = true;
    clearTimeout(graceTimer);
    graceTimer = setTimeout(showConnection, GRACE_MS);
  });

  // Every message: heard, remembered for a panel fetched meanwhile, and its id kept in the stream
  // URL, so that a new EventSource (htmx opens one after a hard drop) resumes from there.
  var recent = [];
  document.addEventListener("htmx:sseMessage", function (evt) {
    hear();
    var id = evt.detail && evt.detail.lastEventId;
    var live = evt.target.closest("[sse-connect]");
    if (!id || !live) { return; }
    recent.push({ seq: Number(id), data: evt.detail.data });
    if (recent.length > 50) { recent.shift(); }
    live.setAttribute("sse-connect", live.getAttribute("sse-connect").replace(/([?&]last=)\d*/, "$1" + id));
  });
  // A stage (or voting) change: fetch the panel again, the same way as after a drop. And a page
  // htmx put back from its history cache (the back button after an area tab) is an old one.
  document.addEventListener("htmx:oobAfterSwap", function (evt) {
    if (evt.target && evt.target.id === "ks-reload") { reconcile(); }
  });
  document.addEventListener("htmx:historyRestore", function () { if (root) { reconcile(); } });

  // --- Heal: the panel again, from the page's own address, until it comes. ---
  var healing = false, healAgain = false, healDelay = 0, healTimer = null, wantHeal = false;
  function reconcile() {
    wantHeal = true;
    flush();  // what waits goes first; the panel is fetched once the outbox is empty
  }
  function heal() {
    if (healing) { healAgain = true; return; }
    clearTimeout(healTimer);
    healTimer = null;
    healing = true;
    healAgain = false;
    var panel = document.getElementById("panel");
    if (panel) { panel.setAttribute("aria-busy", "true"); }
    send("GET", location.href, null, function (xhr) {
      healing = false;
      if (xhr.status === 200 && (xhr.responseText || "").indexOf('id="panel"') !== -1) {
        healDelay = 0;
        requestWorked();
        swapPanel(xhr.responseText);
        if (healAgain) { heal(); }
      } else if (xhr.status >= 400 && xhr.status < 500 && xhr.status !== 408 && xhr.status !== 429 ||
                 xhr.status === 200 && new URL(xhr.responseURL).pathname !== location.pathname) {
        location.reload();  // no panel for us here any more (cookie gone, workshop gone): show why
      } else {  // no answer, the server failing, or something in the way (a wifi login page)
        if (xhr.status === 0 || xhr.status >= 502) { requestFailed(); }
        healDelay = backoff(healDelay, 500);
        healTimer = setTimeout(heal, healDelay);
      }
    });
  }
  // Swap a panel the server rendered, unless the page already shows a newer one (the panel's
  // data-seq is the workshop's event number it was rendered at).
  function swapPanel(html) {
    var panel = document.getElementById("panel");
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("panel");
    if (!panel || !fresh) { location.reload(); return; }
    if (seqOf(fresh) < seqOf(panel)) { panel.removeAttribute("aria-busy"); return; }
    if (location.search && fresh.getAttribute("data-stage") !== panel.getAttribute("data-stage")) {
      // A new stage starts on the first focus area (a phone's ?area= was for the last one).
      history.replaceState(history.state, "", location.pathname);
      heal();
      return;
    }
    // The field being typed in keeps its text, within the same stage (a note's text comes back
    // from its draft instead, which knows its stage and focus area).
    var active = document.activeElement, typed = null;
    if (active && active.id && panel.contains(active) && !active.closest("form[data-draft]") &&
        /^(textarea|text|search|number|date)$/.test(active.type) && active.value !== active.defaultValue &&
        fresh.getAttribute("data-stage") === panel.getAttribute("data-stage")) {
      typed = { id: active.id, value: active.value };
    }
    htmx.swap(panel, html, { swapStyle: "outerHTML", swapDelay: 0, settleDelay: 0 }, { select: "#panel" });
    var again = typed && document.getElementById(typed.id);
    if (again && again.value === again.defaultValue) { again.value = typed.value; }
  }
  // After any new panel (healed, or a form's answer): drafts back in, waiting taps marked, and
  // stream messages newer than the panel applied again.
  document.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.target && evt.target.id === "panel") { panelChanged(evt.target); }
  });
  function panelChanged(panel) {
    restoreDrafts(panel);
    showEndedDrafts();
    markPending();
    var sink = root && root.querySelector("[sse-swap]"), seq = seqOf(panel);
    recent.forEach(function (message) {
      if (sink && message.seq > seq) {
        htmx.swap(sink, message.data, { swapStyle: "none" }, { contextElement: sink });
      }
    });
  }

  // --- Taps that wait: a note, a dot, a rating or an edit (form[data-retry]) that could not
  // reach the server is kept with its body, idempotency key included, and sent again on
  // reconnect and with backoff until it lands; the form says "not sent yet" meanwhile. Notes
  // also wait in localStorage, so a reload does not lose them. A refusal is shown, not dropped.
  var OUTBOX = "ks-outbox";
  var outbox = (stored(OUTBOX) || []).filter(function (entry) { return Date.now() - entry.at < 864e5; });
  var flushing = false, flushDelay = 0, flushTimer = null;
  function waiting() { return outbox.filter(function (entry) { return entry.page === location.pathname; }); }
  function keep() { store(OUTBOX, outbox.filter(function (entry) { return entry.draft; })); }
  function drop(entry) {
    var at = outbox.indexOf(entry);
    if (at !== -1) { outbox.splice(at, 1); keep(); }
  }
  function keyOf(entry) { return new URLSearchParams(entry.body).get("idempotency_key"); }
  // Which form a waiting tap came from, across fresh panels: its address, its hidden fields'
  // values and the names of the others (+ and − on a note; an action's owner and its date).
  function signature(form) {
    var parts = [form.getAttribute("hx-post")];
    form.querySelectorAll("input, select, textarea").forEach(function (field) {
      if (!field.name || /^(csrf_token|idempotency_key|version)$/.test(field.name)) { return; }
      parts.push(field.type === "hidden" ? field.name + "=" + field.value : field.name);
    });
    return parts.join("&");
  }
  // A fresh panel shows what the server has: put back what the waiting tap sends.
  function refill(form, body) {
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.type === "hidden" || !body.has(field.name)) { return; }
      var values = body.getAll(field.name);
      if (field.type === "radio" || field.type === "checkbox") {
        field.checked = values.indexOf(field.value) !== -1;
      } else if (field.tagName === "SELECT" || field.value === field.defaultValue) {
        field.value = values[0];
      }
    });
    if (form.closest("details")) { form.closest("details").open = true; }
  }
  function retried(evt) {
    var form = evt.detail.elt;
    return form && form.matches && form.matches("form[data-retry]") ? form : null;
  }
  // Each dot tap is a new tap (its own key); a note keeps the key the server rendered, and a
  // second Send of a note that waits is that same note.
  document.addEventListener("htmx:configRequest", function (evt) {
    var form = retried(evt), field = form && form.querySelector("input[name=idempotency_key]");
    if (!field) { return; }
    var same = field.value && waiting().filter(function (e) { return e.sig === signature(form); })[0];
    if (same) {
      drop(same);
      evt.detail.parameters.idempotency_key = keyOf(same);
    } else if (!field.value) {
      evt.detail.parameters.idempotency_key = newKey();
    }
  });
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var form = retried(evt);
    if (!form) { return; }
    evt.detail.xhr.ksEntry = {
      page: location.pathname,
      path: evt.detail.requestConfig.path,
      body: new URLSearchParams(evt.detail.requestConfig.formData).toString(),
      sig: signature(form),
      draft: form.hasAttribute("data-draft") ? draftKey(form) : "",
      at: Date.now()
    };
  });
  function failed(evt) {
    var entry = evt.detail.xhr && evt.detail.xhr.ksEntry;
    requestFailed();
    if (entry) { outbox.push(entry); keep(); markPending(); schedule(); return; }
    alertPerson(say("failed"));
    // Nothing of this waits; fetch the panel until it comes, so the page is current and its
    // state online again as soon as the server answers.
    if (root && !healing && !healTimer) { healTimer = setTimeout(heal, 1000); }
  }
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:timeout", failed);
  document.addEventListener("htmx:responseError", function (evt) {
    if (evt.detail.xhr.status >= 502 && evt.detail.xhr.ksEntry) { failed(evt); return; }  // a proxy: server away
    requestWorked();
    alertPerson(say("refused") + " " + messageOf(evt.detail.xhr));
    if (root) { reconcile(); }  // the panel the tap came from may be out of date
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    if (evt.detail.successful) { requestWorked(); alertPerson(""); }
  });
  function schedule() {
    if (flushTimer || flushing) { return; }
    flushDelay = backoff(flushDelay, 1000);
    flushTimer = setTimeout(flush, flushDelay);
  }
  function flush() {
    clearTimeout(flushTimer);
    flushTimer = null;
    if (flushing) { return; }
    var entry = waiting()[0];
    if (!entry) {
      flushDelay = 0;
      if (wantHeal) { wantHeal = false; heal(); }
      return;
    }
    flushing = true;
    send("POST", entry.path, entry.body, function (xhr) {
      flushing = false;
      var html = xhr.responseText || "";
      if (xhr.status === 0 || xhr.status >= 502) {  // still no way through: later, same key
        requestFailed();
        schedule();
        if (wantHeal) { wantHeal = false; heal(); }
        return;
      }
      requestWorked();
      drop(entry);
      if (xhr.status < 300 && html.indexOf('id="panel"') === -1) {
        if (html) { htmx.swap(document.body, html, { swapStyle: "none" }); }  // its out-of-band parts
      } else if (xhr.status < 300) {
        // The answer is the phone's panel as it is now, with the server's message if it refused
        // the tap (voting closed meanwhile, say). The message also goes above the panel, where
        // the next fresh panel does not wipe it.
        var refusal = new DOMParser().parseFromString(html, "text/html").querySelector("#panel .form-error");
        if (refusal) { alertPerson(say("refused") + " " + refusal.textContent.trim()); }
        if (entry.draft && !refusal) { store(entry.draft, null); }
        wantHeal = false;
        swapPanel(html);
      } else {
        alertPerson(say("refused") + " " + messageOf(xhr));
      }
      markPending();
      flush();
    });
  }
  function markPending() {
    document.querySelectorAll(".pending-note").forEach(function (el) { el.remove(); });
    document.querySelectorAll("form.retrying").forEach(function (form) { form.classList.remove("retrying"); });
    waiting().forEach(function (entry) {
      document.querySelectorAll("form[data-retry]").forEach(function (form) {
        if (signature(form) !== entry.sig) { return; }
        form.classList.add("retrying");
        refill(form, new URLSearchParams(entry.body));
        var place = form.querySelector(".retry-note") ? null : form.closest("li") || form;
        if (place && !place.querySelector(".pending-note")) {
          var note = document.createElement("p");
          note.className = "pending-note";
          note.setAttribute("role", "status");
          note.textContent = say("pending");
          place.appendChild(note);
        }
      });
    });
  }

  // --- Drafts: a half-written note is kept in the browser per page, kind and focus area, put
  // back after a reload or a fresh panel, forgotten once the server took it. When its stage has
  // ended it is shown read-only, to copy, until the person removes it.
  var DRAFT = "ks-draft ";
  function draftKey(form) { return DRAFT + location.pathname + " " + form.getAttribute("data-draft"); }
  function saveDraft(evt) {
    var form = evt.target.form;
    if (!form || !form.hasAttribute("data-draft") || !form.elements.text) { return; }
    var text = form.elements.text.value;
    var links = Array.prototype.map.call(form.querySelectorAll("input[name=links]:checked"), function (box) { return box.value; });
    store(draftKey(form), text.trim() ? { text: text, links: links, kind: form.elements.kind.value } : null);
  }
  document.addEventListener("input", saveDraft);
  document.addEventListener("change", saveDraft);
  // A note the server took (its answer has no error): the draft goes before the new panel comes.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var form = evt.detail.requestConfig && evt.detail.requestConfig.elt, xhr = evt.detail.xhr;  // detail.elt: the target
    if (form && form.hasAttribute && form.hasAttribute("data-draft") && xhr.status === 200 &&
        (xhr.responseText || "").indexOf('class="form-error"') === -1) {
      store(draftKey(form), null);
    }
  });
  function restoreDrafts(scope) {
    scope.querySelectorAll("form[data-draft]").forEach(function (form) {
      var draft = stored(draftKey(form)), box = form.elements.text;
      if (!draft || !box || box.value) { return; }
      box.value = draft.text;
      (draft.links || []).forEach(function (id) {
        var link = form.querySelector('input[name=links][value="' + id + '"]');
        if (link) { link.checked = true; }
      });
    });
  }
  var shownEnded = "";
  function showEndedDrafts() {
    var box = document.getElementById("ended-drafts"), panel = document.getElementById("panel");
    if (!box || !panel) { return; }
    var list = box.querySelector(".ended-list"), prefix = DRAFT + location.pathname + " ", ended = [];
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i), draft = key && key.indexOf(prefix) === 0 ? stored(key) : null;
        if (draft && draft.kind !== panel.getAttribute("data-kind")) { ended.push({ key: key, text: draft.text }); }
      }
    } catch (e) { return; }
    var now = JSON.stringify(ended);
    if (now === shownEnded) { return; }  // unchanged: leave a selection being copied alone
    shownEnded = now;
    list.textContent = "";
    ended.forEach(function (draft) {
      var item = document.createElement("div"), text = document.createElement("textarea"), remove = document.createElement("button");
      item.className = "ended-draft";
      text.readOnly = true;
      text.rows = 4;
      text.value = draft.text;
      text.setAttribute("aria-label", list.getAttribute("data-label"));
      remove.type = "button";
      remove.className = "button secondary";
      remove.textContent = list.getAttribute("data-remove");
      remove.setAttribute("data-forget", draft.key);
      item.appendChild(text);
      item.appendChild(remove);
      list.appendChild(item);
    });
    box.hidden = !ended.length;
  }
  document.addEventListener("click", function (evt) {
    var key = evt.target.getAttribute && evt.target.getAttribute("data-forget");
    if (key) { store(key, null); showEndedDrafts(); }
  });

  if (root) {
    var panel = document.getElementById("panel");
    if (panel) { restoreDrafts(panel); }
    showEndedDrafts();
    markPending();
    if (waiting().length) { flush(); }  // notes that waited when the page was closed
  }

  // --- Links to share: one click selects the whole link; a Copy button puts it on the
  // clipboard (and says so in its own words, from data-copied).
  document.addEventListener("focusin", function (evt) {
    if (evt.target.classList && evt.target.classList.contains("copy")) { evt.target.select(); }
  });
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-copy]");
    if (!button) { return; }
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    field.focus();
    field.select();
    var done = function () {
      var label = button.textContent;
      button.textContent = button.getAttribute("data-copied") || label;
      setTimeout(function () { button.textContent = label; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {});
    } else if (document.execCommand && document.execCommand("copy")) {
      done();  // plain http on the venue's wifi: the older way still copies a selection
    }
  });
})();
