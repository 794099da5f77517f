// 定型文 and case links: insert the filled-in text at the cursor of the reply or note box. Without it, copy by hand.
(function () {
  "use strict";
  function insert(targetId, text) {
    var box = document.getElementById(targetId);
    if (!box) { return; }
    var start = box.selectionStart || 0, end = box.selectionEnd || 0, value = box.value;
    box.value = value.slice(0, start) + text + value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = start + text.length;
  }
  var select = document.querySelector("[data-canned-select]");
  var buttons = document.querySelector("[data-canned-buttons]");
  if (select && buttons) {
    buttons.hidden = false;
    buttons.querySelectorAll("[data-canned-insert]").forEach(function (button) {
      if (!document.getElementById(button.getAttribute("data-canned-insert"))) { button.hidden = true; return; }
      button.addEventListener("click", function () {
        insert(button.getAttribute("data-canned-insert"), select.options[select.selectedIndex].getAttribute("data-body"));
      });
    });
  }
  var input = document.querySelector("[data-case-link-url]");
  var search = document.querySelector("[data-case-link-search]");
  var results = document.querySelector("[data-case-link-results]");
  if (!input || !search || !results) { return; }
  search.hidden = false;
  var fallback = document.querySelector("[data-case-link-fallback]");
  if (fallback) { fallback.hidden = true; }
  function run() {
    var url = input.getAttribute("data-case-link-url") + "?format=json&q=" + encodeURIComponent(input.value);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        results.innerHTML = "";
        if (!data.cases.length) {
          var none = document.createElement("li");
          none.textContent = "当てはまる公開中の事例はありません。";
          results.appendChild(none);
        }
        data.cases.forEach(function (c) {
          var li = document.createElement("li");
          var b = document.createElement("button");
          b.type = "button";
          b.className = "button small";
          b.textContent = "「" + c.title + "」へのリンクを返信に挿入";
          b.addEventListener("click", function () { insert("body", c.markdown); });
          li.appendChild(b);
          results.appendChild(li);
        });
      });
  }
  search.addEventListener("click", run);
  input.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); run(); } });
})();
