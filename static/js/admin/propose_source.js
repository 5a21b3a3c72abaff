// Pasting a cited article's address proposes its source: the one whose homepage is on the same
// site (finance.yahoo.com belongs to yahoo.com). An empty source only; the server applies the
// same rule when the form is saved with the source left empty.
"use strict";
(function () {
  function site(address) {
    try {
      return new URL(address.trim()).hostname.toLowerCase().replace(/^www\./, "");
    } catch (error) {
      return "";
    }
  }

  function match(host, hosts) {
    let best = "";
    for (const key of Object.keys(hosts)) {
      if ((host === key || host.endsWith("." + key)) && key.length > best.length) best = key;
    }
    return best ? hosts[best] : null;
  }

  function propose(input) {
    const hosts = JSON.parse(input.dataset.sourceHosts || "{}");
    const select = document.getElementById(input.id.replace(/-url$/, "-source"));
    const host = site(input.value);
    if (!select || select.value || !host) return;
    const found = match(host, hosts);
    if (!found) return;
    const [id, name] = found;
    let option = [...select.options].find((o) => o.value === String(id));
    if (!option) {
      option = new Option(name, String(id), true, true);
      select.append(option);
    }
    select.value = String(id);
    // The admin's autocomplete (select2) shows the choice once told of the change.
    if (window.django && window.django.jQuery) window.django.jQuery(select).trigger("change");
    else select.dispatchEvent(new Event("change", { bubbles: true }));
    let note = input.parentNode.querySelector(".source-proposed");
    if (!note) {
      note = document.createElement("p");
      note.className = "help source-proposed";
      note.setAttribute("role", "status");
      input.after(note);
    }
    note.textContent = (input.dataset.proposedLabel || "Source proposed: ") + name;
  }

  document.addEventListener("input", (event) => {
    if (event.target.matches && event.target.matches("input[data-source-hosts]")) {
      propose(event.target);
    }
  });
})();
