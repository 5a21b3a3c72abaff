// A live count under each field that search engines or networks cut: "48 / 60". Past the
// length they show, the count turns to a warning (the server still refuses past max_length).
"use strict";
(function () {
  function attach(input) {
    const shown = Number(input.dataset.shownLength);
    const output = document.createElement("p");
    output.className = "help char-count";
    output.id = input.id + "-count";
    output.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", output);
    const described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", (described ? described + " " : "") + output.id);
    function update() {
      // Characters as people count them (an emoji is one), not UTF-16 units.
      const length = [...input.value].length;
      const template = length > shown ? input.dataset.countOver : input.dataset.countLabel;
      output.textContent = template.replace("{n}", length).replace("{shown}", shown);
      output.classList.toggle("char-count-over", length > shown);
    }
    input.addEventListener("input", update);
    update();
  }

  function start() {
    document.querySelectorAll("[data-shown-length]").forEach(attach);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
