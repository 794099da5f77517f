// consult — case editor: autocomplete of the last item of comma-separated tools/tags inputs.
// Progressive enhancement: without JS the <datalist> still completes the first item.
(function () {
  "use strict";
  var SEP = /[,、，]/;
  function setup(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var values = Array.prototype.map.call(list.options, function (o) { return o.value; });
    input.addEventListener("input", function () {
      var text = input.value;
      var parts = text.split(SEP);
      var tail = parts.pop();
      var last = tail.trim().toLowerCase();
      var head = text.slice(0, text.length - tail.length);
      var used = parts.map(function (p) { return p.trim(); });
      while (list.firstChild) { list.removeChild(list.firstChild); }
      values.forEach(function (v) {
        if (used.indexOf(v) >= 0) { return; }
        if (last && v.toLowerCase().indexOf(last) < 0) { return; }
        var option = document.createElement("option");
        option.value = head + v;
        list.appendChild(option);
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[data-list-input]"), setup);
})();
