// Fill the answer form from a reply template; staff edit it before sending.
(function () {
  var select = document.getElementById("template");
  if (!select) return;
  select.addEventListener("change", function () {
    var option = select.selectedOptions[0];
    if (!option || !option.value) return;
    var form = document.getElementById("answer-form");
    var radio = form.querySelector('input[name=decision][value="' + option.dataset.decision + '"]');
    if (radio) radio.checked = true;
    form.querySelector("#why").value = option.dataset.why;
    form.querySelector("#next_steps").value = option.dataset.next;
  });
})();
