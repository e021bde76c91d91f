// Behaviour every page shares, without inline handlers (the Content-Security-Policy
// allows scripts from our own files only).
//   <form data-confirm="Question?">   asks before sending
//   <button data-print>               prints the page
//   <select data-autosubmit>          sends its form when the choice changes
//   <details data-site-menu>          the header menu: always open on a wide screen
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

// The header menu (base.html) is a <details>: a "Menu" button on a phone, always open on a wide
// screen (the CSS shows its content there too; this covers browsers without ::details-content).
(function () {
  var menu = document.querySelector("details[data-site-menu]");
  if (!menu || !window.matchMedia) {
    return;
  }
  var wide = window.matchMedia("(min-width: 1280px)");
  function follow() {
    menu.open = wide.matches;
  }
  follow();
  wide.addEventListener("change", follow);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu.open && !wide.matches) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
})();
