/* Week calendar: click a free slot, or drag across free slots of one day, to fill
 * the booking form; the person then confirms with the form's button (posted with
 * its CSRF token). Without JavaScript the form works on its own. */
(function () {
  "use strict";
  var table = document.querySelector("table.calendar.week");
  var form = document.getElementById("booking-form");
  if (!table || !form) { return; }
  var summary = document.getElementById("booking-summary");
  var anchor = null;
  var dragging = false;

  function cell(col, row) {
    return table.querySelector('td.free[data-col="' + col + '"][data-row="' + row + '"]');
  }

  function clearSelection() {
    table.querySelectorAll("td.selected").forEach(function (td) { td.classList.remove("selected"); });
  }

  /* Select the free cells of anchor's column between anchor and target; stop at a gap. */
  function select(target) {
    clearSelection();
    var col = anchor.dataset.col;
    var from = Number(anchor.dataset.row);
    var to = target && target.dataset.col === col ? Number(target.dataset.row) : from;
    var step = to >= from ? 1 : -1;
    var first = anchor, last = anchor;
    for (var row = from; ; row += step) {
      var td = cell(col, row);
      if (!td) { break; }
      td.classList.add("selected");
      last = td;
      if (row === to) { break; }
    }
    if (step < 0) { var swap = first; first = last; last = swap; }
    fill(first, last);
  }

  function fill(first, last) {
    form.elements.day.value = first.dataset.day;
    form.elements.start_time.value = first.dataset.start;
    form.elements.end_time.value = last.dataset.end;
    if (summary) {
      summary.textContent = first.dataset.day + " " + first.dataset.start + " – " + last.dataset.end;
      summary.hidden = false;
    }
  }

  function finish() {
    if (!dragging) { return; }
    dragging = false;
    var button = document.getElementById("confirm-booking");
    if (button) {
      button.scrollIntoView({ block: "center" });
      button.focus({ preventScroll: true });
    }
  }

  table.addEventListener("mousedown", function (event) {
    var td = event.target.closest("td.free");
    if (!td) { return; }
    event.preventDefault();
    dragging = true;
    anchor = td;
    select(td);
  });
  table.addEventListener("mouseover", function (event) {
    if (!dragging) { return; }
    var td = event.target.closest("td.free");
    if (td) { select(td); }
  });
  document.addEventListener("mouseup", finish);
  table.addEventListener("keydown", function (event) {
    var td = event.target.closest("td.free");
    if (!td || (event.key !== "Enter" && event.key !== " ")) { return; }
    event.preventDefault();
    if (event.shiftKey && anchor) { select(td); } else { anchor = td; select(td); }
    dragging = true;
    finish();
  });
  document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
})();
