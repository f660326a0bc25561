// The boards' few lines: filter the list of notes a cause or action can link to, and clear the
// facilitator's note form once the server has taken the note. Without this file both still work.
(function () {
  "use strict";
  document.addEventListener("input", function (evt) {
    var input = evt.target;
    if (!input.matches || !input.matches("input[data-filter]")) { return; }
    var words = input.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
    var scope = input.closest("fieldset") || document;
    scope.querySelectorAll(input.dataset.filter).forEach(function (option) {
      var text = option.textContent.toLowerCase();
      var checked = option.querySelector("input:checked");
      option.hidden = !checked && !words.every(function (w) { return text.indexOf(w) !== -1; });
    });
  });
  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail.elt;
    if (form && form.matches && form.matches("form[data-reset-on-success]") && evt.detail.successful) {
      form.reset();
    }
  });
})();
