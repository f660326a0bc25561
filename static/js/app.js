// Kraftsamla's own few lines: the timer countdown, resuming live updates where they stopped,
// retrying a note that did not get through, and the facilitator's keyboard shortcuts.
// Everything works without this file except the live countdown and the shortcuts.
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

  // --- Live updates: remember the last event id in the stream URL, so that a new EventSource
  // (htmx opens one after a hard disconnect) resumes from there instead of from the page load.
  document.addEventListener("htmx:sseMessage", function (evt) {
    var id = evt.detail && evt.detail.lastEventId;
    var root = evt.target.closest("[sse-connect]");
    if (!id || !root) { return; }
    var url = root.getAttribute("sse-connect").replace(/([?&]last=)\d*/, "$1" + id);
    root.setAttribute("sse-connect", url);
  });
  document.addEventListener("htmx:sseOpen", function () { document.body.classList.remove("offline"); });

  // --- Watchdog: the server sends a "ping" event every 15 s. A connection that has heard
  // nothing for 45 s is dead without having said so (wifi gone, no reset); report it as an
  // error, so that the SSE extension reconnects, from the last event id kept above.
  var SILENCE_MS = 45000;
  document.addEventListener("htmx:sseOpen", function (evt) {
    var source = evt.detail && evt.detail.source;
    if (!source || source.ksWatched) { return; }
    source.ksWatched = true;
    var heard = Date.now();
    var hear = function () { heard = Date.now(); };
    source.addEventListener("ping", hear);
    source.addEventListener("update", hear);
    var timer = setInterval(function () {
      if (source.readyState === 2) { clearInterval(timer); return; }
      if (Date.now() - heard > SILENCE_MS) {
        clearInterval(timer);
        source.close();
        source.dispatchEvent(new Event("error"));
      }
    }, 5000);
  });
  document.addEventListener("htmx:sseError", function () { document.body.classList.add("offline"); });

  // --- A note sent while the wifi was away: try again with the same idempotency key, so the
  // server keeps one note however many tries get through.
  document.addEventListener("htmx:sendError", function (evt) {
    var form = evt.detail.elt && evt.detail.elt.closest("form[data-retry]");
    if (!form) { return; }
    form.classList.add("retrying");
    setTimeout(function () { if (document.body.contains(form)) { htmx.trigger(form, "submit"); } }, 3000);
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest("form[data-retry]");
    if (form && evt.detail.successful) { form.classList.remove("retrying"); }
  });

  // --- Secret links on the "created" page: one click selects the whole link for copying.
  document.addEventListener("focusin", function (evt) {
    if (evt.target.classList && evt.target.classList.contains("copy")) { evt.target.select(); }
  });
})();
