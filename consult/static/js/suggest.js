// consult — related cases while filing a consultation (intake form).
// Progressive enhancement: the form works without it. Expects
// <div id="suggestions" data-suggest-url="/cases/suggest">, a live region #suggestions-status that
// announces only how many cases were found (not their long snippets), and inputs named title,
// purpose, current_process, problem (the whole text: suggest() weighs a long text by its most
// specific words) and a hidden intake_token in the same page.
(function () {
  "use strict";
  var box = document.getElementById("suggestions");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-suggest-url") || "/cases/suggest";
  var form = box.closest("form") || document;
  var fields = ["title", "purpose", "current_process", "problem"].map(function (name) {
    return form.querySelector("[name='" + name + "']") || document.querySelector("[name='" + name + "']");
  }).filter(Boolean);
  var tokenInput = form.querySelector("[name='intake_token']") || document.querySelector("[name='intake_token']");
  var status = document.getElementById("suggestions-status");
  var timer = null;
  var lastQuery = null;
  var controller = null;

  function text() {
    return fields.map(function (f) { return f.value.trim(); }).filter(Boolean).join("\n");
  }

  function lookup() {
    var q = text();
    if (q === lastQuery) { return; }
    lastQuery = q;
    if (q.length < 4) { show(""); return; }
    if (controller && controller.abort) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    var params = new URLSearchParams({ q: q.slice(0, 2000) });
    if (tokenInput && tokenInput.value) { params.set("token", tokenInput.value); }
    fetch(url + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { "Accept": "text/html", "X-Requested-With": "fetch" },
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(show).catch(function () { /* network error or aborted: keep what is shown */ });
  }

  function show(html) {
    var before = box.querySelectorAll("li").length;
    box.innerHTML = (html || "").trim();
    var count = box.querySelectorAll("li").length;
    if (status && count !== before) {
      status.textContent = count ? "似た困りごとの解決事例が" + count + "件見つかりました（入力欄の横に表示）" : "";
    }
  }

  function schedule() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(lookup, 500);
  }

  fields.forEach(function (f) { f.addEventListener("input", schedule); });
  if (text()) { schedule(); }
})();
