// Sheets: count filled items, ask before the final submission, warn before leaving unsaved.
(function () {
  "use strict";
  var form = document.getElementById("sheet-form");
  if (!form) return;
  var counter = form.querySelector("[data-count]");
  var dirty = false;
  function names() {
    var seen = {};
    form.querySelectorAll(".q input").forEach(function (el) { seen[el.name] = seen[el.name] || false; });
    form.querySelectorAll(".q input").forEach(function (el) {
      if ((el.type === "radio" && el.checked) || (el.type !== "radio" && el.value.trim() !== "")) seen[el.name] = true;
    });
    return seen;
  }
  function update() {
    if (!counter) return;
    var seen = names(), total = 0, filled = 0;
    Object.keys(seen).forEach(function (k) { total += 1; if (seen[k]) filled += 1; });
    counter.textContent = "已填 " + filled + "/" + total + " 项";
  }
  form.addEventListener("input", function () { dirty = true; update(); });
  form.addEventListener("change", function () { dirty = true; update(); });
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    dirty = false;
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
  update();
})();
