/* Week calendar (booking and moving a booking).
 *
 * Select a free slot (click, tap, or Enter/Space), or a range of one day by dragging
 * (mouse or finger) or with Shift + arrows; the form below is filled and the person
 * confirms with its button (posted with its CSRF token). The grid is one tab stop:
 * the arrow keys move inside it (roving tabindex). A taken slot leads to its waitlist
 * form; a slot the person may not book says why in the info line under the grid.
 * The price quote of the selection is fetched from the API as the selection changes.
 * Without JavaScript the form works on its own. */
(function () {
  "use strict";
  var table = document.querySelector("table.calendar.week");
  var form = document.getElementById("booking-form");
  if (!table || !form) { return; }
  var summary = document.getElementById("booking-summary");
  var info = document.getElementById("slot-info");
  var quoteBox = document.getElementById("booking-quote");
  var SELECTABLE = "td.free, td.moving";
  var anchor = null;
  var dragging = false;
  var selection = null; // [first, last]
  var quoteRequest = 0;

  document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
  // The grid is one tab stop: the waitlist links inside taken cells are reached with the arrows.
  table.querySelectorAll("td a").forEach(function (a) { a.tabIndex = -1; });

  function at(col, row) {
    return table.querySelector('td[data-col="' + col + '"][data-row="' + row + '"]');
  }

  function selectable(td) { return Boolean(td && td.matches(SELECTABLE)); }

  /* -- roving focus: exactly one cell has tabindex 0 ------------------------------ */
  var current = table.querySelector("td.moving") || table.querySelector("td.free") ||
    table.querySelector("td[data-col]");

  function rove(td, focus) {
    if (!td) { return; }
    if (current) { current.tabIndex = -1; }
    current = td;
    td.tabIndex = 0;
    if (focus) { td.focus(); }
  }
  rove(current, false);

  function move(td, dCol, dRow) {
    var col = Number(td.dataset.col) + dCol;
    var row = Number(td.dataset.row) + dRow;
    return at(col, row);
  }

  /* -- selection ------------------------------------------------------------------ */
  function clearSelection() {
    table.querySelectorAll("td.selected").forEach(function (td) {
      td.classList.remove("selected");
      td.removeAttribute("aria-selected");
    });
  }

  /* Select the free cells of the anchor's column between the anchor and target; stop at a gap. */
  function select(target) {
    clearSelection();
    var col = anchor.dataset.col;
    var from = Number(anchor.dataset.row);
    var to = target && target.dataset.col === col ? Number(target.dataset.row) : from;
    var step = to >= from ? 1 : -1;
    var first = anchor, last = anchor;
    for (var row = from; ; row += step) {
      var td = at(col, row);
      if (!selectable(td)) { break; }
      td.classList.add("selected");
      td.setAttribute("aria-selected", "true");
      last = td;
      if (row === to) { break; }
    }
    if (step < 0) { var swap = first; first = last; last = swap; }
    selection = [first, last];
    fill(first, last);
  }

  function fill(first, last) {
    form.elements.day.value = first.dataset.day;
    form.elements.start_time.value = first.dataset.start;
    form.elements.end_time.value = last.dataset.end;
    if (form.elements.end_day) { form.elements.end_day.value = ""; }
    var text = first.dataset.day + " " + first.dataset.start + " – " + last.dataset.end;
    if (summary) {
      summary.textContent = text;
      summary.hidden = false;
    }
    fetchQuote(first.dataset.from, last.dataset.to);
  }

  function goToConfirm() {
    var button = document.getElementById("confirm-booking");
    if (button) {
      button.scrollIntoView({ block: "center" });
      button.focus({ preventScroll: true });
    }
  }

  function finish() {
    if (!dragging) { return; }
    dragging = false;
    goToConfirm();
  }

  /* -- the info line: why a slot cannot be booked, or what is selected ------------- */
  function say(td) {
    if (!info) { return; }
    info.textContent = "";
    if (!td || !td.dataset.reason) { return; }
    info.appendChild(document.createTextNode(td.dataset.reason + " "));
    if (td.dataset.rule === "qualification" && info.dataset.trainingUrl) {
      var link = document.createElement("a");
      link.href = info.dataset.trainingUrl;
      link.textContent = info.dataset.trainingText;
      info.appendChild(link);
    }
  }

  /* -- the price quote --------------------------------------------------------------- */
  function money(cents) {
    var lang = document.documentElement.lang || "fr";
    return new Intl.NumberFormat(lang, { style: "currency", currency: "EUR" }).format(cents / 100);
  }

  function showQuote(body) {
    var text = document.getElementById("quote-text");
    var d = quoteBox.dataset;
    text.textContent = "";
    var strong = document.createElement("strong");
    strong.dataset.testid = "quote-amount";
    strong.textContent = d.textPrice.replace("{incl}", money(body.amount_incl_vat_cents))
      .replace("{excl}", money(body.amount_excl_vat_cents));
    text.appendChild(strong);
    var more = [];
    if (body.prepaid_minutes) { more.push(d.textPrepaid.replace("{minutes}", body.prepaid_minutes)); }
    if (body.time_policy === "used") { more.push(d.textUsed); }
    if (more.length) { text.appendChild(document.createTextNode(" " + more.join(" "))); }
    text.hidden = false;
  }

  function fetchQuote(from, to) {
    if (!quoteBox || !window.fetch) { return; }
    var text = document.getElementById("quote-text");
    if (!from || !to) { text.hidden = true; return; }
    var params = new URLSearchParams({ start: from, end: to });
    var company = form.elements.on_company_account;
    if (company && company.checked) { params.set("on_company_account", "true"); }
    var ticket = ++quoteRequest;
    fetch(quoteBox.dataset.url + "?" + params.toString(), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : Promise.reject(response.status);
    }).then(function (body) {
      if (ticket === quoteRequest) { showQuote(body); }
    }).catch(function () {
      if (ticket !== quoteRequest) { return; }
      text.textContent = quoteBox.dataset.textError;
      text.hidden = false;
    });
  }

  /* A time typed in the form: quote it when the grid shows its start and end. */
  function quoteTyped() {
    var day = form.elements.day.value;
    var first = table.querySelector('td[data-day="' + day + '"][data-start="' + form.elements.start_time.value + '"][data-from]');
    var last = table.querySelector('td[data-day="' + day + '"][data-end="' + form.elements.end_time.value + '"][data-to]');
    fetchQuote(first && first.dataset.from, last && last.dataset.to);
  }
  ["day", "start_time", "end_time"].forEach(function (name) {
    if (form.elements[name]) { form.elements[name].addEventListener("change", quoteTyped); }
  });
  if (form.elements.on_company_account) {
    form.elements.on_company_account.addEventListener("change", function () {
      if (selection) { fetchQuote(selection[0].dataset.from, selection[1].dataset.to); } else { quoteTyped(); }
    });
  }

  /* -- mouse --------------------------------------------------------------------------- */
  table.addEventListener("mousedown", function (event) {
    var td = event.target.closest(SELECTABLE);
    if (!td) { return; }
    event.preventDefault();
    dragging = true;
    anchor = td;
    rove(td, false);
    select(td);
  });
  table.addEventListener("mouseover", function (event) {
    if (!dragging) { return; }
    var td = event.target.closest(SELECTABLE);
    if (td) { select(td); }
  });
  document.addEventListener("mouseup", finish);
  table.addEventListener("click", function (event) {
    var td = event.target.closest("td[data-col]");
    if (!td) { return; }
    rove(td, false);
    if (td.classList.contains("blocked")) { say(td); }
    if (td.classList.contains("busy") && td.dataset.href && !event.target.closest("a")) {
      window.location.href = td.dataset.href;
    }
  });

  /* -- touch: hold then drag selects a range, a tap one slot -------------------------
   * A finger that moves at once scrolls the page as usual; one held still for a moment
   * on a free slot starts a selection that follows it (document.elementFromPoint). */
  var HOLD_MS = 250;
  var pending = null; // {td, x, y, timer}
  function cellUnder(touch) {
    var el = document.elementFromPoint(touch.clientX, touch.clientY);
    return el ? el.closest(SELECTABLE) : null;
  }
  function startDrag() {
    if (!pending) { return; }
    dragging = true;
    anchor = pending.td;
    rove(anchor, false);
    select(anchor);
  }
  table.addEventListener("touchstart", function (event) {
    if (event.touches.length !== 1) { pending = null; return; }
    var td = event.target.closest(SELECTABLE);
    if (!td) { return; } // a taken or blocked slot: its click follows
    var touch = event.touches[0];
    pending = { td: td, x: touch.clientX, y: touch.clientY, timer: window.setTimeout(startDrag, HOLD_MS) };
  }, { passive: true });
  table.addEventListener("touchmove", function (event) {
    var touch = event.touches[0];
    if (dragging) {
      event.preventDefault(); // the finger selects, it does not scroll the page
      var td = cellUnder(touch);
      if (td) { select(td); }
      return;
    }
    if (pending && Math.abs(touch.clientX - pending.x) + Math.abs(touch.clientY - pending.y) > 10) {
      window.clearTimeout(pending.timer); // moved at once: a scroll
      pending = null;
    }
  }, { passive: false });
  table.addEventListener("touchend", function (event) {
    if (pending) { window.clearTimeout(pending.timer); }
    if (!dragging && pending) { startDrag(); } // a tap: that one slot
    pending = null;
    if (!dragging) { return; }
    event.preventDefault(); // no emulated mouse events after the touch
    finish();
  }, { passive: false });
  table.addEventListener("touchcancel", function () {
    if (pending) { window.clearTimeout(pending.timer); }
    pending = null;
    dragging = false;
  });

  /* -- keyboard ---------------------------------------------------------------------- */
  var MOVES = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
  table.addEventListener("keydown", function (event) {
    var td = event.target.closest("td[data-col]");
    if (!td) { return; }
    var delta = MOVES[event.key];
    if (delta) {
      event.preventDefault();
      var next = move(td, delta[0], delta[1]);
      if (!next) { return; }
      rove(next, true);
      say(next);
      if (event.shiftKey && anchor && selectable(next)) { select(next); }
      return;
    }
    if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      var row = event.key === "Home" ? 0 : table.tBodies[0].rows.length - 1;
      rove(at(td.dataset.col, row) || td, true);
      return;
    }
    if (event.key !== "Enter" && event.key !== " ") { return; }
    event.preventDefault();
    if (td.classList.contains("busy") && td.dataset.href) {
      window.location.href = td.dataset.href;
    } else if (!selectable(td)) {
      say(td);
    } else if (td.classList.contains("selected") && !event.shiftKey) {
      goToConfirm(); // a second Enter on the selection: on to the confirm button
    } else {
      if (!(event.shiftKey && anchor)) { anchor = td; }
      select(td);
    }
  });
  table.addEventListener("focusin", function (event) {
    var td = event.target.closest("td[data-col]");
    if (td) { rove(td, false); say(td); }
  });
})();
