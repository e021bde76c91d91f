// Person type-ahead: after two letters, ask the API who matches and offer them in the
// input's <datalist>. Without JavaScript the server resolves what was typed instead.
(function () {
  var list = document.getElementById("people-list");
  var inputs = document.querySelectorAll("input[data-people-search]");
  if (!list || !inputs.length) return;
  var source = list.dataset.source;
  var timer = null;
  var lastAsked = "";
  var controller = null;

  function fill(people) {
    while (list.firstChild) list.removeChild(list.firstChild);
    people.forEach(function (person) {
      var option = document.createElement("option");
      option.value = (person.name || person.email) + " <" + person.email + ">";
      if (person.company) option.label = person.company;
      list.appendChild(option);
    });
  }

  function ask(text) {
    if (text === lastAsked) return;
    lastAsked = text;
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    var url = source + "?limit=10&q=" + encodeURIComponent(text);
    fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: controller ? controller.signal : undefined,
    })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(fill)
      .catch(function () { /* a failed look-up leaves the suggestions as they were */ });
  }

  inputs.forEach(function (input) {
    input.addEventListener("input", function () {
      var text = input.value.trim();
      clearTimeout(timer);
      // A value picked from the list ("Name <email>") needs no new look-up.
      if (text.length < 2 || text.indexOf("<") !== -1) return;
      timer = setTimeout(function () { ask(text); }, 200);
    });
  });
})();
