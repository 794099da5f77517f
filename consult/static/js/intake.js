// Intake form 相談する: saves a server-side draft a few seconds after typing stops.
// The form works without this file (the 下書きを保存する button posts the same data).
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form || !window.fetch || !window.JSON) { return; }
  var url = form.getAttribute("data-draft-url");
  var token = form.getAttribute("data-csrf");
  var status = document.getElementById("draft-status");
  var FIELDS = ["title", "purpose", "current_process", "problem", "desired_state", "frequency", "frequency_other",
    "hours_per_month", "urgency", "desired_timing", "contains_personal_info", "category"];
  var DELAY = 3000;
  var timer = null;
  var saving = false;
  var dirty = false;
  var submitting = false;

  function collect() {
    var data = {};
    FIELDS.forEach(function (name) {
      var els = form.elements[name];
      if (!els) { return; }
      if (els.length !== undefined && els.tagName === undefined) { // RadioNodeList
        data[name] = els.value || "";
      } else {
        data[name] = els.value;
      }
    });
    return data;
  }

  function say(text) { if (status) { status.textContent = text; } }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function save() {
    timer = null;
    if (saving || submitting) { dirty = true; return; }
    saving = true;
    dirty = false;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token, "Accept": "application/json" },
      body: JSON.stringify(collect())
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      var now = new Date();
      say("下書きを自動保存しました（" + pad(now.getHours()) + ":" + pad(now.getMinutes()) + "）");
    }).catch(function () {
      say("下書きを自動保存できませんでした。「下書きを保存する」ボタンで保存できます。");
    }).then(function () {
      saving = false;
      if (dirty) { schedule(); }
    });
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, DELAY);
  }

  form.addEventListener("input", function (event) {
    if (event.target && event.target.type === "file") { return; }
    schedule();
  });
  form.addEventListener("change", function (event) {
    if (event.target && event.target.type === "file") { return; }
    schedule();
  });
  form.addEventListener("submit", function () {
    submitting = true;
    if (timer) { clearTimeout(timer); timer = null; }
  });
})();
