// The projector board fits its screen: nobody in the room can scroll it.
//
// Each `[data-fit]` box (the focus areas of a note stage, the revealed ranking, the action list
// at prioritize) gets the largest note type that lets every note show: from data-fit-max (36 px)
// down to data-fit-min (24 px), and on to data-fit-floor (20 px) only when the board holds more
// than 60 notes. At each size a focus area that overflows gets another sub-column, as long as a
// sub-column stays about 11 em (some 20 characters) wide; the areas' widths follow their
// sub-columns. Only when even the floor does not fit are notes folded away, and never silently:
// the oldest notes (or, in a ranking, the lowest-ranked) give way to a "+N older notes" line,
// so the newest note is always on screen. Long notes are cut to a few lines by CSS.
//
// It runs again after every live swap (a column pushed over SSE, a new panel) and on resize.
// The result is written to the box: data-fitted (the size in px), data-fit-notes (how many
// notes it saw), data-folded (how many it folded).
(function () {
  "use strict";

  var NOTE = ".note, .ranked-note, .action-row";
  var FLOW = ".notes, .ranking, .action-list";
  var DENSE = 60; // up to this many notes on the board, the type stays at data-fit-min or above
  var TRACK_EM = 11; // the narrowest sub-column, in em of the note type
  var STEP = 2;

  function number(value, fallback) {
    var n = Number(value);
    return value && n > 0 ? n : fallback;
  }

  function toArray(list) { return Array.prototype.slice.call(list); }

  // How many sub-columns' worth an area's notes overflow their box by (0: they fit).
  function overflow(area) {
    var flow = area.querySelector(FLOW);
    if (!flow) { return 0; }
    var down = flow.scrollHeight - flow.clientHeight;
    var across = flow.scrollWidth - flow.clientWidth;
    var spill = area.scrollHeight - area.clientHeight;
    if (down <= 1 && across <= 1 && spill <= 1) { return 0; }
    var column = flow.clientWidth / Math.max(Number(area.style.getPropertyValue("--fit-cols")) || 1, 1);
    return Math.max(across / Math.max(column, 1), (down + spill) / Math.max(flow.clientHeight, 1), 0.001);
  }

  function apply(box, areas, size, tracks) {
    box.style.setProperty("--fit-size", size + "px");
    // Fewer lines per note as the type shrinks: a long note must not take a column.
    box.style.setProperty("--fit-lines", size >= 30 ? "4" : "3");
    if (areas.length > 1) {
      box.style.setProperty("--fit-tracks", tracks.map(function (t) {
        return "minmax(0, " + t + "fr)";
      }).join(" "));
    }
    areas.forEach(function (area, i) { area.style.setProperty("--fit-cols", String(tracks[i])); });
  }

  // At one type size: give sub-columns to the worst overflowing area until all fit or the
  // width is used up. Returns the sub-columns per area and whether everything fits.
  function tryLevel(box, areas, size, maxTracks, start) {
    var tracks = start && start.length === areas.length ? start.slice() : areas.map(function () { return 1; });
    for (;;) {
      apply(box, areas, size, tracks);
      var worst = -1;
      var worstOver = 0;
      areas.forEach(function (area, i) {
        var over = overflow(area);
        if (over > worstOver) { worstOver = over; worst = i; }
      });
      if (worst < 0) { return { fits: true, tracks: tracks }; }
      var used = tracks.reduce(function (a, b) { return a + b; }, 0);
      if (used >= maxTracks) { return { fits: false, tracks: tracks }; }
      tracks[worst] += 1;
    }
  }

  function noteId(note) { return Number((note.id || "").replace(/\D+/g, "")) || 0; }

  // Fold the first `count` of `notes`; a group whose notes are all folded folds with them.
  function foldFirst(area, notes, count) {
    notes.forEach(function (note, i) { note.classList.toggle("is-folded", i < count); });
    area.querySelectorAll(".group").forEach(function (group) {
      group.classList.toggle("is-folded", !group.querySelector(".note:not(.is-folded)"));
    });
  }

  function label(box, count) {
    var text = count === 1 ? box.dataset.foldOne : box.dataset.foldMany;
    return (text || "+{n}").replace("{n}", String(count));
  }

  // The fewest notes to fold so that the area fits; the last note always stays.
  function fold(box, area) {
    var notes = toArray(area.querySelectorAll(NOTE));
    if (box.dataset.fitFold === "oldest") {
      notes.sort(function (a, b) { return noteId(a) - noteId(b); });
    } else {
      notes.reverse();
    }
    var line = area.querySelector(".folded");
    if (line) { line.textContent = label(box, notes.length); line.hidden = false; }
    var low = 1;
    var high = Math.max(notes.length - 1, 1);
    while (low < high) {
      var mid = (low + high) >> 1;
      foldFirst(area, notes, mid);
      if (overflow(area)) { low = mid + 1; } else { high = mid; }
    }
    foldFirst(area, notes, low);
    if (line) { line.textContent = label(box, low); }
    return low;
  }

  function unfold(box) {
    box.querySelectorAll(".is-folded").forEach(function (el) { el.classList.remove("is-folded"); });
    box.querySelectorAll(".folded").forEach(function (line) { line.hidden = true; });
  }

  // What the last fit of each box found: a box that only gained notes on the same screen never
  // needs a larger size, and usually fits as it was; that keeps a fit after a new note short.
  var last = new WeakMap();

  function fitBox(box, total) {
    var areas = toArray(box.querySelectorAll("[data-fit-area]"));
    if (box.hasAttribute("data-fit-area")) { areas = [box]; }
    if (!areas.length || !box.clientWidth) { return; }
    unfold(box);
    var count = box.querySelectorAll(NOTE).length;
    var max = number(box.dataset.fitMax, 36);
    var min = number(box.dataset.fitMin, 24);
    var floor = total > DENSE ? number(box.dataset.fitFloor, 20) : min;
    var trackLimit = number(box.dataset.fitTracks, Infinity);
    var sizes = [];
    for (var s = max; s >= floor; s -= STEP) { sizes.push(s); }
    var widthOf = function (size) {
      var fit = Math.floor(box.clientWidth / (TRACK_EM * size));
      return Math.min(Math.max(fit, areas.length), trackLimit * areas.length);
    };
    var screen = box.clientWidth + "x" + box.clientHeight;
    var before = last.get(box);
    var same = before && before.screen === screen && before.areas === areas.length;
    var best = null;
    var tried = null;
    var low = 0;
    var start = null;
    if (same && count >= before.count && before.fitted) {
      // Usually the last layout still holds; with more notes no larger size would.
      var again = tryLevel(box, areas, before.size, widthOf(before.size), before.tracks);
      if (again.fits) { best = { size: before.size, tracks: again.tracks }; }
      if (count > before.count) { low = sizes.indexOf(before.size) + 1; }
    } else if (same && count >= before.count) {
      // It was folded at the floor already: more notes will not fit a larger size.
      low = sizes.length - 1;
      start = before.tracks;
    }
    // Otherwise the largest size that fits, by bisection (a smaller size never fits worse).
    var high = best ? -1 : sizes.length - 1;
    while (low <= high) {
      var mid = (low + high) >> 1;
      var result = tryLevel(box, areas, sizes[mid], widthOf(sizes[mid]), mid === sizes.length - 1 ? start : null);
      if (mid === sizes.length - 1) { tried = result; }
      if (result.fits) { best = { size: sizes[mid], tracks: result.tracks }; high = mid - 1; } else { low = mid + 1; }
    }
    if (!best && !tried) { tried = tryLevel(box, areas, sizes[sizes.length - 1], widthOf(sizes[sizes.length - 1])); }
    var folded = 0;
    if (best) {
      apply(box, areas, best.size, best.tracks);
    } else {
      // Even the floor does not fit: fold, at the floor, in the widest layout it allows.
      best = { size: sizes[sizes.length - 1], tracks: tried.tracks };
      apply(box, areas, best.size, best.tracks);
      areas.forEach(function (area) { if (overflow(area)) { folded += fold(box, area); } });
    }
    last.set(box, { screen: screen, areas: areas.length, count: count, size: best.size, tracks: best.tracks,
      fitted: folded === 0 });
    box.dataset.fitted = String(best.size);
    box.dataset.folded = String(folded);
    box.dataset.fitNotes = String(count);
  }

  function fitAll() {
    scheduled = false;
    var total = document.querySelectorAll("[data-fit] " + NOTE).length;
    document.querySelectorAll("[data-fit]").forEach(function (box) { fitBox(box, total); });
  }

  var scheduled = false;
  function schedule() {
    if (scheduled) { return; }
    scheduled = true;
    window.requestAnimationFrame(fitAll);
  }

  ["htmx:afterSettle", "htmx:oobAfterSwap", "htmx:load"].forEach(function (name) {
    document.addEventListener(name, schedule);
  });
  window.addEventListener("resize", schedule);
  document.addEventListener("DOMContentLoaded", schedule);
  if (document.fonts && document.fonts.ready) { document.fonts.ready.then(schedule); }
})();
