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
    panel.addEventListener("toggle", function () {
      document.cookie = name + "=" + (panel.open ? "open" : "closed") + "; path=/desk; max-age=31536000; SameSite=Lax";
    });
  });
})();
