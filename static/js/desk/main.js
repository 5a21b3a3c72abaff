// The live desk without reloads: Post sends the form in the background and keeps the focus in
// the text; pin, key event, delete and undo act in place; the list follows the desk's poll, so
// colleagues' posts, edits and deletions appear within seconds; the text being typed is kept in
// the browser until it is posted. Without this script every form still posts as a page.
import { createDraft } from "./draft.js";
import { createList } from "./list.js";

const JSON_HEADERS = { Accept: "application/json", "X-Requested-With": "fetch" };

function start() {
  const section = document.querySelector(".desk-post[data-story]");
  const form = section?.querySelector("form[data-desk-post]");
  const listElement = document.querySelector("[data-desk-updates]");
  if (!section || !form || !listElement) return;

  const status = section.querySelector("[data-desk-status]");
  const say = (text) => { status.textContent = ""; status.textContent = text; };
  const list = createList(listElement);
  const draft = createDraft(form, `newsroom:desk:${section.dataset.story}`);
  if (draft.restore()) say(section.dataset.labelRestored || "");

  const body = () => form.querySelector("textarea[name=body]");
  let sending = false;

  async function post() {
    if (sending) return;
    sending = true;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const response = await fetch(form.getAttribute("action") || location.href, {
        method: "POST", body: new FormData(form), headers: JSON_HEADERS, credentials: "same-origin",
      });
      const data = await response.json();
      showErrors(form, data.errors || {});
      if (response.ok) {
        draft.clear();
        reset(form);
        if (data.update) list.upsert(data.update);
        say(data.message || "");
        body()?.focus();
      } else {
        const invalid = form.querySelector("[aria-invalid=true]");
        (invalid || body())?.focus();
        say(Object.values(data.errors || {}).flat().join(" "));
      }
    } catch (error) {
      say(section.dataset.labelFailed || ""); // the text stays in the box and in the draft
    } finally {
      sending = false;
      button.disabled = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    post();
  });
  form.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      post();
    }
  });

  // Alt+P: the update as readers will see it (markdownx renders it with the site's renderer).
  const togglePreview = () => {
    const preview = form.querySelector(".markdownx-preview");
    if (!preview) return;
    preview.hidden = !preview.hidden;
    if (!preview.hidden) preview.scrollIntoView({ block: "nearest" });
  };
  for (const preview of form.querySelectorAll(".markdownx-preview")) preview.hidden = true;
  document.addEventListener("keydown", (event) => {
    if (event.altKey && !event.ctrlKey && !event.metaKey && event.code === "KeyP") {
      event.preventDefault();
      togglePreview();
    }
  });

  // Pin, key event, delete, undo: in place, the focus kept on the item acted on.
  listElement.addEventListener("submit", async (event) => {
    const actionForm = event.target.closest("form");
    if (!actionForm) return;
    event.preventDefault();
    const item = actionForm.closest("[data-update-id]");
    const action = actionForm.querySelector("[name=action]")?.value;
    try {
      // getAttribute: the form's own `action` property is shadowed by its input named "action".
      const response = await fetch(actionForm.getAttribute("action"), {
        method: "POST", body: new FormData(actionForm), headers: JSON_HEADERS, credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      const placed = list.upsert(data.update);
      say(data.message || "");
      // Focus the button that undoes what was just done, or the item itself.
      const undo = { delete: "restore", restore: "delete", pin: "unpin", unpin: "pin", key: "unkey", unkey: "key" }[action];
      (placed?.querySelector(`[data-action="${undo}"]`) || placed)?.focus();
      poll.now(); // a pin unpins another update: the poll brings it
    } catch (error) {
      actionForm.submit(); // the page way, which says what went wrong
    }
  });

  // Leaving with unposted text asks first (the draft is kept all the same).
  window.addEventListener("beforeunload", (event) => {
    if (draft.hasText() && !sending) {
      event.preventDefault();
      event.returnValue = section.dataset.labelUnsaved || "";
    }
  });

  const poll = createPoll(section, list);
  window.newsroomDesk = Object.freeze({ pollNow: () => poll.now() });
}

// A posted form starts again empty; the editor widget (and its preview) stays bound.
function reset(form) {
  for (const input of form.querySelectorAll("input[type=text], input[type=datetime-local], textarea")) {
    input.value = "";
  }
  for (const box of form.querySelectorAll("input[type=checkbox]")) box.checked = false;
  form.querySelector("textarea[name=body]")?.dispatchEvent(new Event("input", { bubbles: true }));
}

// The server's verdict beside each field, as the page without the script prints it.
function showErrors(form, errors) {
  for (const list of form.querySelectorAll(".errorlist, .form-errors")) list.remove();
  for (const box of form.querySelectorAll(".has-error")) box.classList.remove("has-error");
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  for (const [name, messages] of Object.entries(errors)) {
    const list = document.createElement("ul");
    list.className = "errorlist";
    for (const message of messages) {
      const item = document.createElement("li");
      item.textContent = message;
      list.append(item);
    }
    const input = form.querySelector(`[name="${name}"]`);
    const field = input?.closest(".field");
    if (name === "__all__" || !field) {
      const box = document.createElement("div");
      box.className = "form-errors";
      box.setAttribute("role", "alert");
      box.append(list);
      form.querySelector("[data-form-fields]").prepend(box);
      continue;
    }
    list.id = `${input.id}_errors`;
    field.classList.add("has-error");
    field.append(list);
    input.setAttribute("aria-invalid", "true");
    const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (!described.includes(list.id)) input.setAttribute("aria-describedby", [...described, list.id].join(" "));
  }
}

function createPoll(section, list) {
  let cursor = section.dataset.cursor || "0";
  const interval = Math.max(2, Number(section.dataset.pollInterval) || 5) * 1000;
  let timer = null;
  let running = false;

  async function run() {
    if (running) return;
    running = true;
    clearTimeout(timer);
    let again = false;
    try {
      const url = new URL(section.dataset.changesUrl, location.href);
      url.searchParams.set("since", cursor);
      const response = await fetch(url, { headers: JSON_HEADERS, credentials: "same-origin" });
      if (response.ok) {
        const data = await response.json();
        for (const update of data.updates || []) list.upsert(update);
        cursor = data.cursor || cursor;
        again = Boolean(data.more);
      }
    } catch (error) {
      // Offline for a moment: the next round tries again.
    } finally {
      running = false;
      timer = setTimeout(run, again ? 0 : document.hidden ? interval * 6 : interval);
    }
  }

  document.addEventListener("visibilitychange", () => { if (!document.hidden) run(); });
  timer = setTimeout(run, interval);
  return { now: run };
}

start();
