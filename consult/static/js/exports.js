// 書き出しの進み具合: while a background export runs, ask for its state every 2 seconds and redraw the panel.
// Without JavaScript the panel's 「最新の状態を表示する」 link does the same by hand. Screen readers hear the
// state changes and each quarter of the way through the polite live region, not every redraw.
(function () {
  "use strict";
  var holder = document.getElementById("export-panel");
  var live = document.getElementById("export-live");
  if (!holder || !live || !holder.getAttribute("data-poll") || !window.fetch) { return; }
  var url = holder.getAttribute("data-status-url");
  var lastStatus = null, lastQuarter = -1, polls = 0, MAX_POLLS = 1800;  // at most an hour of polling

  function announce(data) {
    var quarter = data.total ? Math.floor(4 * data.progress / data.total) : -1;
    if (data.status === lastStatus && quarter === lastQuarter) { return; }
    lastStatus = data.status; lastQuarter = quarter;
    var state = holder.querySelector(".export-state");
    live.textContent = state ? state.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function poll() {
    polls += 1;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (data) {
        holder.innerHTML = data.panel;
        announce(data);
        if ((data.status === "queued" || data.status === "running") && polls < MAX_POLLS) {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () { /* signed out or offline: the link in the panel still works */ });
  }
  window.setTimeout(poll, 1000);
})();
