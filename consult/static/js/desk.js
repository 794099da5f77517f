// desk: small helpers for the DX-staff panel. Everything works without it.
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
})();
