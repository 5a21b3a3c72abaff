// Places the server's fragments on an open page: updates in the stream, in stream order; the
// pinned copy in its slot; key events in their list. It builds no markup of its own beyond the
// "N new updates" button: every fragment comes from the page's own partials.
import { isHidden, parse } from "./dom.js";
import { decorate, refreshRelative } from "./times.js";

// Stream order, as the server lists it: newest published_at first, ties by id, highest first;
// read from the start (`?order=oldest`), the reverse. data-published is in microseconds, exact
// where the clock's data-utc says only the second. Updates and key-event items both carry it.
const orderKey = (el) => [Number(el.dataset.published) || 0, Number(el.dataset.updateId) || 0];
const isNewer = (a, b) => {
  const [x, y] = [orderKey(a), orderKey(b)];
  return x[0] > y[0] || (x[0] === y[0] && x[1] > y[1]);
};

export function createStream(section, { announce }) {
  const keyEventsOnly = section.dataset.filter === "key-events";
  const oldestFirst = section.dataset.order === "oldest";
  const comesBefore = oldestFirst ? (a, b) => isNewer(b, a) : isNewer;
  // Pages that read before or after this one, where an update that belongs there stays.
  const hasPages = (where) => !!section.querySelector(`.pager a[data-pages="${where}"]`);
  const stream = section.querySelector("[data-stream]");
  const pinnedSlot = section.querySelector("[data-pinned-slot]");
  // The slot's box, folded on a phone, hidden while nothing is pinned.
  const pinnedBox = pinnedSlot?.closest(".pinned") || pinnedSlot;
  const keyList = section.querySelector(".key-events ol");
  const empty = stream.querySelector("[data-empty]");
  const baseTitle = document.title;
  const queue = new Map(); // id -> parsed article, oldest arrival first (Map keeps order on edit)
  const versions = new Map(); // id -> highest version applied, so repeats are ignored
  // id -> the social post snapshots its text shows: a capture sends an update again with the
  // same version and a new card (the snapshot is a row of its own).
  const embedded = new Map();
  const embedsOf = (el) => [...el.querySelectorAll("[data-social-url]")]
    .map((card) => `${card.dataset.socialUrl}=${card.dataset.socialVersion}`).join(" ");
  for (const el of section.querySelectorAll("[data-update-id][data-version]")) {
    const id = el.dataset.updateId;
    versions.set(id, Math.max(Number(el.dataset.version) || 0, versions.get(id) || 0));
    if (el.closest("[data-stream]")) embedded.set(id, embedsOf(el));
  }
  let unseen = 0; // new updates the reader has not seen yet, shown in the tab title
  let button = null;

  const label = (n) => n === 1
    ? section.dataset.labelOne
    : (section.dataset.labelMany || "{n}").replace("{n}", String(n));
  const shownUpdates = () => [...stream.querySelectorAll(":scope > .update")];
  const shownUpdate = (id) => stream.querySelector(`:scope > .update[data-update-id="${id}"]`);

  // "At the top" means no part of the stream has scrolled above the viewport's top edge. Then an
  // update inserted above the first one only pushes down what is below the reader's eyes. Once
  // they have scrolled into the stream, inserting would shove their text down (or, with the
  // browser's scroll anchoring, slip the news in unseen above them), so it waits behind a button.
  // An observed marker just above the stream says so without measuring layout at each check.
  const marker = document.createElement("div");
  marker.setAttribute("aria-hidden", "true");
  stream.before(marker);
  let scrolledIntoStream = false;
  new IntersectionObserver(([entry]) => {
    // Out of view and above the viewport: the reader is in the stream. Below it (or hidden,
    // with an empty rectangle): the stream has not started yet.
    scrolledIntoStream = !entry.isIntersecting && entry.boundingClientRect.top < 0;
    markSeen();
  }).observe(marker);
  const atTop = () => !scrolledIntoStream;

  const setTitle = () => { document.title = unseen ? `(${unseen}) ${baseTitle}` : baseTitle; };

  function markSeen() {
    // Read from the start, news lands at the end, where the reader is heading: seen once shown.
    if (unseen && !isHidden() && !queue.size && (oldestFirst || atTop())) {
      unseen = 0;
      setTitle();
    }
  }
  document.addEventListener("visibilitychange", markSeen);

  function updateButton() {
    if (!queue.size) { if (button) button.hidden = true; return; }
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "new-updates";
      button.addEventListener("click", flush);
      marker.before(button);
    }
    button.textContent = label(queue.size);
    button.hidden = false;
  }

  function flush() {
    let newest = null;
    // Each at its place: they arrived in the order they changed, not the order they read in.
    for (const el of queue.values()) {
      place(el);
      if (!newest || comesBefore(el, newest)) newest = el;
    }
    queue.clear();
    empty?.remove();
    refreshRelative(stream);
    updateButton();
    stream.scrollIntoView({ block: "start" });
    if (newest) { newest.tabIndex = -1; newest.focus({ preventScroll: true }); }
    unseen = 0;
    setTitle();
  }

  // Insert an update at its place in stream order, whatever order updates arrive in. One that
  // reads before the first shown or after the last belongs on another page when there is one
  // that side (the pager says): it is left there.
  function place(el) {
    const shown = shownUpdates();
    const after = shown.find((x) => comesBefore(el, x));
    if (after) {
      if (after !== shown[0] || !hasPages("before")) after.before(el);
    } else if (!hasPages("after")) stream.append(el);
  }

  // News: newest first, an update above the top one; read from the start, one after the last
  // on the last page. Any other unknown update was restored, back-dated, or lives on another
  // page and was just edited: it goes to its place at once, without a "new updates" button.
  function isNew(el) {
    const shown = shownUpdates();
    if (oldestFirst) return !hasPages("after") && (!shown.length || isNewer(el, shown.at(-1)));
    return !shown.length || comesBefore(el, shown[0]);
  }

  function setPinned(id, entry) {
    if (!pinnedSlot) return;
    if (entry.pinned_html) {
      const copy = parse(entry.pinned_html);
      decorate(copy);
      pinnedSlot.replaceChildren(copy);
      pinnedBox.hidden = false;
    } else if (pinnedSlot.querySelector("[data-update-id]")?.dataset.updateId === id) {
      // Only the update currently in the slot may empty it: the newly pinned one can come first.
      pinnedSlot.replaceChildren();
      pinnedBox.hidden = true;
    }
  }

  function setKeyEvent(id, entry) {
    if (!keyList) return;
    keyList.querySelector(`li[data-update-id="${id}"]`)?.remove();
    const item = entry.key_event_html ? parse(entry.key_event_html) : null;
    if (item) {
      decorate(item);
      // The poll cannot know which page a reader has open, so its item links to the update's
      // own page; one that is in this page's stream, or waiting to be revealed in it, is
      // reached by its anchor instead.
      const article = shownUpdate(id) || queue.get(id);
      const link = item.querySelector("a");
      if (article && link) link.setAttribute("href", "#" + article.id);
      // The list runs in the stream's order.
      const later = [...keyList.children].find((x) => comesBefore(item, x));
      keyList.insertBefore(item, later || null);
    }
    // The list is on the page even when empty, hidden until it has an entry.
    keyList.closest(".key-events").hidden = !keyList.children.length;
  }

  function apply(entries) {
    // Measured once, before this batch moves anything. While some are queued, later ones queue
    // too, or they would end up above older news the reader has not revealed yet.
    const top = atTop() && !queue.size;
    let fresh = 0;
    for (const entry of entries) {
      const id = String(entry.id);
      // A stream filtered to key events drops an update that is not (or is no longer) one.
      const removed = entry.state !== "published" || (keyEventsOnly && !entry.key_event_html);
      const known = versions.get(id);
      const el = removed ? null : parse(entry.html);
      if (!removed && known !== undefined) {
        if (entry.version < known) continue;
        if (entry.version === known && embedsOf(el) === embedded.get(id)) continue;
      }
      versions.set(id, Math.max(Number(entry.version) || 0, known || 0));
      if (el) { embedded.set(id, embedsOf(el)); decorate(el); }
      const shown = shownUpdate(id);
      if (removed) {
        shown?.remove();
        if (queue.delete(id)) unseen = Math.max(0, unseen - 1); // withdrawn before being seen
      } else if (shown) {
        // An edit may have moved its time: it then moves to its new place.
        if (orderKey(shown).join() === orderKey(el).join()) shown.replaceWith(el);
        else { shown.remove(); place(el); }
      } else if (queue.has(id)) queue.set(id, el);
      else if (isNew(el)) {
        fresh += 1;
        // Read from the start, news goes below the reader's text: it never shoves it down.
        if (top || oldestFirst) place(el);
        else queue.set(id, el);
      } else place(el);
      setPinned(id, entry);
      setKeyEvent(id, entry);
    }
    const any = stream.querySelector(".update");
    if (empty && any) empty.remove();
    else if (empty && !any && !empty.isConnected) stream.append(empty);
    updateButton();
    if (fresh) {
      if (isHidden() || !top) unseen += fresh;
      announce(label(queue.size || fresh));
    }
    setTitle();
    markSeen();
  }

  return { apply };
}
