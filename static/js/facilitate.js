// The facilitator page moves the whole room from stage to stage, so a move happens on purpose:
//
// - Alt+→ / Alt+← press Next / Previous. Page Down / Page Up scroll this page like anywhere
//   else, unless the facilitator has ticked "Let a presenter clicker move the stages" (kept in
//   this browser); then they move the stage and never scroll.
// - One move per gesture: the second click of a double click, a held key's repeats and any
//   move while the last one is on its way are dropped. The stage forms also carry `from` (the
//   stage this page shows), so a move from a stale page is refused by the server (409) and the
//   page fetches the room's real stage instead.
// - Every stage change shows "Moved to Causes — Undo" for a few seconds (Escape closes it);
//   Undo moves back, again with `from`, so it undoes only the move it names.
// Without this file the forms still post and the page still follows the room.
(function () {
  "use strict";

  var CLICKER_KEY = "ks-clicker";
  var SHOW_MS = 8000;
  var WAIT_MS = 3000; // after a move, how long to wait for the new stage before allowing another

  var shown = null; // the stage this page showed last
  var waiting = 0; // time of the last accepted move, until the new stage arrives
  var hideTimer = 0;

  function panel() { return document.getElementById("panel"); }
  function moving() { return waiting && Date.now() - waiting < WAIT_MS; }

  function clickerOn() {
    try { return window.localStorage.getItem(CLICKER_KEY) === "1"; } catch (e) { return false; }
  }

  function syncClicker() {
    var box = document.getElementById("clicker-mode");
    if (!box) { return; }
    box.checked = clickerOn();
    var label = box.closest(".clicker");
    if (label) { label.hidden = false; }
  }

  document.addEventListener("change", function (evt) {
    if (evt.target.id !== "clicker-mode") { return; }
    try { window.localStorage.setItem(CLICKER_KEY, evt.target.checked ? "1" : "0"); } catch (e) { /* private mode */ }
  });

  // --- One move per gesture.
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("form[data-stage-form] button[type=submit]");
    if (!button) { return; }
    if (evt.detail > 1 || moving()) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var form = evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest("form[data-stage-form]");
    if (form) { waiting = Date.now(); }
  });

  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest("form[data-stage-form]");
    if (form && !evt.detail.successful) { waiting = 0; }
  });

  // A stale page (the room moved on elsewhere): show the room's real stage.
  document.addEventListener("htmx:responseError", function (evt) {
    var form = evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest("form[data-stage-form]");
    if (form && evt.detail.xhr && evt.detail.xhr.status === 409 && panel()) {
      htmx.ajax("GET", window.location.pathname, { target: "#panel", select: "#panel", swap: "outerHTML" });
    }
  });

  // --- Keys.
  function press(which) {
    var button = document.querySelector('[data-shortcut="' + which + '"]');
    if (button && !moving()) { button.click(); }
  }

  // Keys that edit text stay with the field that has them (a tick box or a button has none).
  function typing(target) {
    var tag = (target.tagName || "").toLowerCase();
    if (tag === "textarea" || tag === "select" || target.isContentEditable) { return true; }
    return tag === "input" && !/^(checkbox|radio|button|submit|reset)$/.test(target.type);
  }

  document.addEventListener("keydown", function (evt) {
    if (evt.key === "Escape") { hideToast(); return; }
    if (typing(evt.target)) { return; }
    var plain = !evt.altKey && !evt.ctrlKey && !evt.metaKey && !evt.shiftKey;
    var which = null;
    if (evt.altKey && !evt.ctrlKey && !evt.metaKey && evt.key === "ArrowRight") { which = "ArrowRight"; }
    else if (evt.altKey && !evt.ctrlKey && !evt.metaKey && evt.key === "ArrowLeft") { which = "ArrowLeft"; }
    else if (plain && evt.key === "PageDown" && clickerOn()) { which = "ArrowRight"; }
    else if (plain && evt.key === "PageUp" && clickerOn()) { which = "ArrowLeft"; }
    if (!which) { return; }
    evt.preventDefault();
    if (!evt.repeat) { press(which); }
  });

  // --- "Moved to Causes — Undo" after every stage change.
  function hideToast() {
    var toast = document.getElementById("stage-toast");
    if (!toast) { return; }
    toast.classList.remove("open");
    toast.querySelector(".stage-toast-text").textContent = "";
    toast.querySelector("form").hidden = true;
  }

  function armHide(toast) {
    window.clearTimeout(hideTimer);
    hideTimer = window.setTimeout(function () {
      // Not while the facilitator points at it or is on its button.
      if (toast.matches(":hover") || toast.contains(document.activeElement)) { armHide(toast); return; }
      hideToast();
    }, SHOW_MS);
  }

  function showToast(from, to, message) {
    var toast = document.getElementById("stage-toast");
    if (!toast) { return; }
    var form = toast.querySelector("form");
    form.elements.stage.value = from;
    form.elements.from.value = to;
    form.hidden = false;
    toast.classList.add("open");
    toast.querySelector(".stage-toast-text").textContent = message;
    armHide(toast);
  }

  function followPanel() {
    var current = panel();
    var stage = current && current.dataset.stage;
    if (!stage) { return; } // the placeholder while the new panel loads
    syncClicker();
    if (stage === shown) { return; }
    if (shown) { showToast(shown, stage, current.dataset.moved || stage); }
    shown = stage;
    waiting = 0;
  }

  document.addEventListener("htmx:afterSettle", followPanel);
  document.addEventListener("DOMContentLoaded", followPanel);
  document.addEventListener("submit", function (evt) {
    if (evt.target.closest && evt.target.closest("#stage-toast")) { window.setTimeout(hideToast, 0); }
  });
})();
