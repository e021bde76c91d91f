// Behaviour every page shares, without inline handlers (the Content-Security-Policy
// allows scripts from our own files only).
//   <form data-confirm="Question?">   asks before sending
//   <button data-print>               prints the page
//   <select data-autosubmit>          sends its form when the choice changes
"use strict";

document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

document.addEventListener("click", function (event) {
  var target = event.target.closest && event.target.closest("[data-print]");
  if (target) {
    window.print();
  }
});

document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("select[data-autosubmit]") && target.form) {
    target.form.submit();
  }
});
