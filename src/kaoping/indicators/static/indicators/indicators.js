/* Indicator and campaign set-up pages: ask before destructive buttons (forms with data-confirm). */
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
}, true);
