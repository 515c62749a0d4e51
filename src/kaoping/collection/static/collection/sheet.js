// Sheets: count filled items, ask before the final submission, warn before leaving unsaved,
// and keep htmx's autosave (hx-post on the form) in step with the page's draft version.
(function () {
  "use strict";
  var form = document.getElementById("sheet-form");
  if (!form) return;
  var counter = form.querySelector("[data-count]");
  var dirty = false;
  var edits = 0;        // changes typed so far
  var saving = 0;       // autosave requests under way
  var submitting = false;
  var held = null;      // a button click waiting for a running autosave to answer
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
  function show(state, text) {  // the status line is replaced by each answer: look it up each time
    var line = document.getElementById("autosave-status");
    if (line) { line.className = "autosave " + state; line.textContent = text; }
  }
  function changed() { dirty = true; edits += 1; update(); }
  form.addEventListener("input", changed);
  form.addEventListener("change", function () { dirty = true; update(); });
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!held && button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    submitting = true;  // no autosave from now on: the button saves or submits itself
    if (saving > 0) {   // wait for the running autosave, so the button sends the version it got
      event.preventDefault();
      held = button || true;
      return;
    }
    dirty = false;
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });

  // Autosave. A request queued behind another was built with the page's version of that
  // moment; send the current one instead (the server refuses any older version).
  form.addEventListener("htmx:before:request", function (event) {
    var ctx = event.detail && event.detail.ctx;
    if (submitting) { event.preventDefault(); return; }
    if (!ctx) return;
    var version = form.querySelector("input[name=version]");
    if (ctx.request && ctx.request.body && ctx.request.body.set && version) {
      ctx.request.body.set("version", version.value);
    }
    ctx.kaopingEdits = edits;
    ctx.kaopingCounted = true;
    saving += 1;
    show("busy", "正在自动保存…");
  });
  form.addEventListener("htmx:finally:request", function (event) {
    var ctx = event.detail && event.detail.ctx;
    if (!ctx || !ctx.kaopingCounted) return;
    saving -= 1;
    var answer = ctx.response && ctx.response.status;
    if (answer === 200 && ctx.kaopingEdits === edits) dirty = false;
    if (!answer) show("refused", "未自动保存：网络连接中断，请点击“保存草稿”");
    if (saving === 0 && held) {
      var button = held === true ? null : held;
      if (button) form.requestSubmit(button); else form.requestSubmit();
    }
  });
  var line = document.getElementById("autosave-status");
  if (line && window.htmx && !line.textContent) line.textContent = line.dataset.idle || "";
  update();
})();
