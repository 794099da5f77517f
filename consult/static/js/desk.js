// desk: small helpers for the DX-staff pages. Everything works without it.
(function () {
  "use strict";
  // 「提案を主担当に入れる」: copy the suggested user into the main-handler select.
  document.querySelectorAll("[data-desk-fill]").forEach(function (button) {
    var select = document.getElementById(button.getAttribute("data-desk-fill"));
    if (!select) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      select.value = button.getAttribute("data-desk-value");
      select.focus();
    });
  });
  // <details data-remember="name">: remember folded/open in a cookie so the server renders it the same next time.
  document.querySelectorAll("details[data-remember]").forEach(function (panel) {
    var name = panel.getAttribute("data-remember");
    function remember(open) {
      document.cookie = name + "=" + (open ? "open" : "closed") + "; path=/desk; max-age=31536000; SameSite=Lax";
    }
    // The click on <summary> writes the coming state at once: "toggle" fires a task later, and a reload
    // (or a link followed) in between would forget it. "toggle" still records any other way of opening.
    var summary = panel.querySelector(":scope > summary");
    if (summary) {
      summary.addEventListener("click", function () { remember(!panel.open); });
    }
    panel.addEventListener("toggle", function () { remember(panel.open); });
  });
})();
