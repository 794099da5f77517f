// consult: the little JavaScript there is. Everything works without it.
(function () {
  "use strict";
  // Move focus to the error summary so screen-reader and keyboard users hear what went wrong.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  // Buttons that ask before doing something hard to undo: <button data-confirm="…">.
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
})();
