// consult — while filing a consultation (intake form): related cases, and open consultations of the
// filer's own 所属 that look the same. Progressive enhancement: the form works without it (the
// 「似た相談・事例を確認する」 button shows both panels from the server). Expects boxes
// <div id="suggestions" data-suggest-url="/cases/suggest"> and <div id="similar-open"
// data-suggest-url="/tickets/similar">, a live region #suggestions-status that announces only how many
// were found (not their long snippets), and inputs named title, purpose, current_process, problem (the
// whole text: suggest() weighs a long text by its most specific words) and a hidden intake_token.
(function () {
  "use strict";
  var boxes = [
    { el: document.getElementById("similar-open"), label: "同じ所属で対応中の似た相談が", count: 0 },
    { el: document.getElementById("suggestions"), label: "似た困りごとの解決事例が", count: 0 }
  ].filter(function (b) { return b.el; });
  if (!boxes.length || !window.fetch) { return; }
  var form = document.getElementById("intake-form") || document;
  var fields = ["title", "purpose", "current_process", "problem"].map(function (name) {
    return form.querySelector("[name='" + name + "']");
  }).filter(Boolean);
  var tokenInput = form.querySelector("[name='intake_token']");
  var status = document.getElementById("suggestions-status");
  var timer = null;
  var lastQuery = null;
  var controllers = [];
  boxes.forEach(function (b) { b.count = b.el.querySelectorAll("li").length; });

  function text() {
    return fields.map(function (f) { return f.value.trim(); }).filter(Boolean).join("\n");
  }

  function announce() {
    var parts = boxes.filter(function (b) { return b.count; }).map(function (b) { return b.label + b.count + "件"; });
    if (status) { status.textContent = parts.length ? parts.join("、") + "見つかりました（入力欄の横に表示）" : ""; }
  }

  function show(box, html) {
    box.el.innerHTML = (html || "").trim();
    var count = box.el.querySelectorAll("li").length;
    var changed = count !== box.count;
    box.count = count;
    return changed;
  }

  function lookup() {
    var q = text();
    if (q === lastQuery) { return; }
    lastQuery = q;
    controllers.forEach(function (c) { if (c && c.abort) { c.abort(); } });
    controllers = [];
    if (q.length < 4) {
      if (boxes.map(function (b) { return show(b, ""); }).some(Boolean)) { announce(); }
      return;
    }
    boxes.forEach(function (box) {
      var controller = window.AbortController ? new AbortController() : null;
      controllers.push(controller);
      var params = new URLSearchParams({ q: q.slice(0, 2000) });
      if (tokenInput && tokenInput.value) { params.set("token", tokenInput.value); }
      fetch(box.el.getAttribute("data-suggest-url") + "?" + params.toString(), {
        credentials: "same-origin",
        headers: { "Accept": "text/html", "X-Requested-With": "fetch" },
        signal: controller ? controller.signal : undefined
      }).then(function (response) {
        return response.ok ? response.text() : "";
      }).then(function (html) {
        if (show(box, html)) { announce(); }
      }).catch(function () { /* network error or aborted: keep what is shown */ });
    });
  }

  function schedule() {
    if (timer) { window.clearTimeout(timer); }
    timer = window.setTimeout(lookup, 500);
  }

  fields.forEach(function (f) { f.addEventListener("input", schedule); });
  if (form !== document) {  // the page is leaving: no more lookups racing the form's own request
    form.addEventListener("submit", function () {
      if (timer) { window.clearTimeout(timer); }
      lastQuery = text();
      controllers.forEach(function (c) { if (c && c.abort) { c.abort(); } });
    });
  }
  if (text()) { schedule(); }
})();
