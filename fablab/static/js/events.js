// Check-in list: filter the names as the manager types (no network, no library).
(function () {
  var input = document.getElementById("checkin-filter");
  if (!input) return;
  input.addEventListener("input", function () {
    var needle = input.value.trim().toLowerCase();
    document.querySelectorAll(".checkin-row").forEach(function (row) {
      row.hidden = needle !== "" && row.dataset.name.indexOf(needle) === -1;
    });
  });
})();
