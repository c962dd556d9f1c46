// Council votes counted live: every few seconds, redraw one small picture per vote.
// When the facilitator starts or ends a vote, the page reloads, unless a child is typing.
(function () {
  var root = document.querySelector("[data-tally-url]");
  if (!root || !window.fetch) return;
  var url = root.dataset.tallyUrl;
  var voting = root.dataset.voting;
  var typing = function () {
    var active = document.activeElement;
    if (active && (active.tagName === "TEXTAREA" || active.tagName === "INPUT") && active.type !== "hidden") return true;
    return [].some.call(document.querySelectorAll("textarea, input[type=text]"), function (e) { return e.value; });
  };
  var draw = function (box, counts) {
    ["for", "against", "abstain"].forEach(function (choice) {
      var icons = box.querySelector('[data-choice="' + choice + '"]');
      var number = box.querySelector('[data-count="' + choice + '"]');
      var n = counts[choice] || 0;
      if (!icons || !number || Number(number.textContent) === n) return;
      number.textContent = n;
      while (icons.children.length > n) icons.removeChild(icons.lastChild);
      while (icons.children.length < n) {
        var img = document.createElement("img");
        img.src = icons.dataset.icon; img.alt = ""; img.width = 28; img.height = 28;
        icons.appendChild(img);
      }
    });
  };
  var poll = function () {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        var now = Object.keys(data.proposals).filter(function (id) {
          return data.proposals[id].status === "voting";
        }).sort().join(",");
        if (voting !== undefined && now !== voting.split(",").filter(Boolean).sort().join(",") && !typing()) {
          window.location.reload();
          return;
        }
        Object.keys(data.proposals).forEach(function (id) {
          var box = document.querySelector('.tally[data-proposal="' + id + '"]');
          if (box) draw(box, data.proposals[id]);
        });
      })
      .catch(function () {});
  };
  setInterval(poll, 3000);
})();
