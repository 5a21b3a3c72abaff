// Keeps an open live-story page current: polls the story's change feed and applies what it
// returns to the stream, the pinned slot and the key-events list. The page is complete without it.
(() => {
  "use strict";

  // The latest page of every published story carries a poll URL (older pages never change). A
  // story without coverage yet carries its live section hidden, revealed if coverage starts.
  const section = document.querySelector("section.live[data-poll-url]");
  const stream = section && section.querySelector("[data-stream]");
  if (!stream) return;

  const pinnedSlot = section.querySelector("[data-pinned-slot]");
  const status = section.querySelector("[data-live-status]");
  const keyList = section.querySelector(".key-events ol");
  const lang = document.documentElement.lang || undefined;
  const baseTitle = document.title;
  const interval = Math.max(2, Number(section.dataset.pollInterval) || 10) * 1000;
  // Not live (not started yet, or ended): polled only to notice coverage starting, or an edit.
  const idleInterval = Math.max(interval, (Number(section.dataset.idleInterval) || 60) * 1000);
  const MAX_BACKOFF = 300_000, DAY = 86_400_000;
  // A request that hangs (a dead connection, a stalled proxy) would hold the poll for good, as
  // a new one starts only when the last has settled; past this it is abandoned and retried.
  const FETCH_TIMEOUT = 15_000;

  let cursor = section.dataset.cursor || "0";
  const MORE_DELAY = 250;
  let timer = 0, running = null, failures = 0, stopped = false;
  let isLive = section.dataset.live === "true";
  let unseen = 0; // new updates the reader has not seen yet, shown in the tab title
  let button = null;
  const empty = stream.querySelector("[data-empty]");
  const queue = new Map(); // id -> parsed article, oldest arrival first (Map keeps order on edit)
  const versions = new Map(); // id -> highest version applied, so repeats are ignored
  for (const el of section.querySelectorAll("[data-update-id][data-version]")) {
    const id = el.dataset.updateId;
    versions.set(id, Math.max(Number(el.dataset.version) || 0, versions.get(id) || 0));
  }

  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  const DATE_STYLE = { dateStyle: "medium", timeStyle: "short" };
  const clockTime = (el) => Date.parse(el.querySelector("time.update-clock")?.dataset.utc);
  // Stream order, as the server lists it: newest published_at first, ties by id, highest first.
  // data-published is in microseconds, exact where the clock's data-utc says only the second.
  const orderKey = (el) => [Number(el.dataset.published) || 0, Number(el.dataset.updateId) || 0];
  const comesBefore = (a, b) => {
    const [x, y] = [orderKey(a), orderKey(b)];
    return x[0] > y[0] || (x[0] === y[0] && x[1] > y[1]);
  };
  const shownUpdates = () => [...stream.querySelectorAll(":scope > .update")];

  function relative(ms) {
    // A reader's clock running ahead of the server must not produce "in 1 minute".
    const s = Math.max(0, ms) / 1000;
    if (s < 60) return rtf.format(0, "second");
    if (s < 3600) return rtf.format(-Math.floor(s / 60), "minute");
    return rtf.format(-Math.floor(s / 3600), "hour");
  }

  function refreshRelative(root) {
    const now = Date.now();
    for (const time of root.querySelectorAll("time.update-clock[data-utc]")) {
      // After the link, not inside it: the link names the article (aria-labelledby), and that
      // name should not change every minute.
      const after = time.closest("a") || time;
      const next = after.nextElementSibling;
      let span = next && next.classList.contains("relative-time") ? next : null;
      const age = now - Date.parse(time.dataset.utc);
      if (!(age < DAY)) { span?.remove(); continue; }
      if (!span) {
        span = document.createElement("span");
        span.className = "relative-time";
        after.after(span);
      }
      span.textContent = " " + relative(age);
    }
  }

  function decorate(root) {
    for (const time of root.querySelectorAll("time[data-utc]")) {
      const date = new Date(time.dataset.utc);
      if (!Number.isNaN(date.getTime())) time.title = date.toLocaleString(lang, DATE_STYLE);
    }
    refreshRelative(root);
  }

  function parse(html) {
    const template = document.createElement("template");
    template.innerHTML = html; // only ever the server's own rendered fragment
    return template.content.firstElementChild;
  }

  // The pinned copy must not duplicate the stream copy's ids (anchors, aria-labelledby).
  function pinnedCopy(el) {
    const copy = el.cloneNode(true);
    for (const node of [copy, ...copy.querySelectorAll("[id], [aria-labelledby]")]) {
      if (node.id) node.id = "pinned-" + node.id;
      const by = node.getAttribute("aria-labelledby");
      if (by) node.setAttribute("aria-labelledby", by.replace(/\S+/g, "pinned-$&"));
    }
    return copy;
  }

  // The "Live" badges (kicker, section title). The server renders them hidden on a page that is
  // not live, so a start can show them; an end takes them out, remembering where they were.
  const badges = [...document.querySelectorAll(".live-badge")]
    .map((el) => ({ el, parent: el.parentNode, next: el.nextSibling }));

  let coverageShown = null; // the coverage line last received, so an unchanged one is left alone

  function setLive(live, coverageHtml) {
    const coverage = section.querySelector("[data-coverage]");
    // The line comes from the page's own partial ("Coverage started … · ended …").
    if (coverage && coverageHtml && coverageHtml !== coverageShown) {
      coverageShown = coverageHtml;
      const line = parse(coverageHtml);
      if (line) { decorate(line); coverage.replaceWith(line); }
      // Started and already ended between two polls: the updates are still news.
      if (line && !line.hidden) section.hidden = false;
    }
    if (live === isLive) return;
    isLive = live;
    document.querySelector("article.story")?.classList.toggle("is-live", live);
    for (const { el, parent, next } of badges) {
      if (!live) { el.remove(); continue; }
      el.hidden = false;
      if (!el.isConnected) parent.insertBefore(el, next && next.parentNode === parent ? next : null);
    }
    if (live) section.hidden = false;
    else announce(section.dataset.labelEnded || "");
  }

  const label = (n) => n === 1
    ? section.dataset.labelOne
    : (section.dataset.labelMany || "{n}").replace("{n}", String(n));

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
  const hidden = () => document.visibilityState === "hidden";

  const setTitle = () => { document.title = unseen ? `(${unseen}) ${baseTitle}` : baseTitle; };

  function markSeen() {
    if (unseen && !hidden() && !queue.size && atTop()) { unseen = 0; setTitle(); }
  }

  function announce(text) {
    if (!status) return;
    // Emptying first lets screen readers announce a text identical to the previous one.
    status.textContent = "";
    setTimeout(() => { status.textContent = text; }, 50);
  }

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
  // falls below the last shown belongs on an older page, if there is one: it is left there.
  function place(el) {
    const after = shownUpdates().find((x) => comesBefore(el, x));
    if (after) after.before(el);
    else if (!section.querySelector('.pager a[rel="prev"]')) stream.append(el);
  }

  // An unknown update below the top one is not news: it was restored, back-dated, or lives on an
  // older page and was just edited. It goes to its place at once, without a "new updates" button.
  function isNew(el) {
    const first = stream.querySelector(":scope > .update");
    return !first || comesBefore(el, first);
  }

  function setPinned(id, entry, el) {
    if (!pinnedSlot) return;
    if (el && entry.is_pinned) {
      pinnedSlot.replaceChildren(pinnedCopy(el));
      pinnedSlot.hidden = false;
    } else if (pinnedSlot.querySelector("[data-update-id]")?.dataset.updateId === id) {
      // Only the update currently in the slot may empty it: the newly pinned one can come first.
      pinnedSlot.replaceChildren();
      pinnedSlot.hidden = true;
    }
  }

  function setKeyEvent(id, entry, el) {
    if (!keyList) return;
    // The list is on the page even when empty, hidden until it has an entry.
    const showList = () => { keyList.closest(".key-events").hidden = !keyList.children.length; };
    let li = keyList.querySelector(`li[data-update-id="${id}"]`);
    if (!el || !entry.is_key_event) { li?.remove(); showList(); return; }
    // The entry's title may be empty; the server's list then shows the start of the text.
    const words = (el.querySelector(".prose")?.textContent || "").trim().split(/\s+/);
    const text = entry.title || words.slice(0, 12).join(" ") + (words.length > 12 ? "…" : "");
    const clock = el.querySelector("time.update-clock")?.cloneNode(true);
    clock?.removeAttribute("class");
    const link = li?.querySelector("a") || document.createElement("a");
    link.replaceChildren(...(clock ? [clock, " ", text] : [text]));
    if (li) return;
    li = document.createElement("li");
    li.dataset.updateId = id;
    // An update that is not on this page is reached through its own permalink.
    link.href = el.isConnected || queue.has(id)
      ? "#" + entry.anchor
      : el.querySelector("a.update-time")?.getAttribute("href") || "#" + entry.anchor;
    li.append(link);
    const t = clockTime(el); // the list runs oldest first
    const later = [...keyList.children]
      .find((x) => Date.parse(x.querySelector("time[data-utc]")?.dataset.utc) > t);
    keyList.insertBefore(li, later || null);
    showList();
  }

  function apply(data) {
    // First, so that updates posted as coverage starts land in a revealed section.
    setLive(data.is_live !== false, data.coverage_html);
    // Measured once, before this batch moves anything. While some are queued, later ones queue
    // too, or they would end up above older news the reader has not revealed yet.
    const top = atTop() && !queue.size;
    let fresh = 0;
    for (const entry of data.updates || []) {
      const id = String(entry.id);
      const removed = entry.state !== "published";
      const known = versions.get(id);
      if (!removed && known !== undefined && entry.version <= known) continue;
      versions.set(id, Math.max(Number(entry.version) || 0, known || 0));
      const el = removed ? null : parse(entry.html);
      if (el) decorate(el);
      const shown = stream.querySelector(`.update[data-update-id="${id}"]`);
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
        if (top) place(el);
        else queue.set(id, el);
      } else place(el);
      setPinned(id, entry, el);
      setKeyEvent(id, entry, el);
    }
    const any = stream.querySelector(".update");
    if (empty && any) empty.remove();
    else if (empty && !any && !empty.isConnected) stream.append(empty);
    updateButton();
    if (fresh) {
      if (hidden() || !top) unseen += fresh;
      announce(label(queue.size || fresh));
    }
    setTitle();
    markSeen();
    if (data.cursor) cursor = String(data.cursor);
  }

  async function fetchChanges() {
    const url = new URL(section.dataset.pollUrl, location.href);
    url.searchParams.set("since", cursor);
    // no-cache: the browser revalidates with If-None-Match; a 304 reaches us as the cached 200,
    // which re-applies harmlessly because versions already shown are skipped.
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), FETCH_TIMEOUT);
    let data;
    try {
      const response = await fetch(url, {
        cache: "no-cache", headers: { Accept: "application/json" }, signal: controller.signal,
      });
      if (response.status === 404 || response.status === 410) { stopped = true; return 0; }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      data = await response.json(); // the body can hang too: still under the timeout
    } finally {
      clearTimeout(timeout);
    }
    apply(data);
    failures = 0;
    // A long backlog comes in bounded batches: fetch the rest straight away.
    if (data.more) return MORE_DELAY;
    return isLive ? interval : idleInterval;
  }

  function poll(force = false) {
    if (running) return running;
    clearTimeout(timer);
    // A hidden tab stops the chain; becoming visible starts it again.
    if (stopped || (hidden() && force !== true)) return Promise.resolve();
    let next = interval;
    running = fetchChanges()
      .then((delay) => { next = delay; })
      .catch(() => {
        failures += 1;
        const cap = Math.min(MAX_BACKOFF, interval * 2 ** failures);
        next = cap / 2 + Math.random() * (cap / 2); // jitter spreads readers' retries apart
      })
      .finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(poll, next);
      });
    return running;
  }

  // A poll already under way may have started before the change the caller wants to see.
  // Tests may call this in a hidden tab too, to see what a late response does there.
  const pollNow = () => (running ? running.then(() => poll(true)) : poll(true));

  // "3 min ago" moves on each minute, but not in a hidden tab: nobody reads it there, and
  // it is brought up to date the moment the tab is shown.
  let tickTimer = 0;
  function tick() {
    clearTimeout(tickTimer);
    if (!hidden()) tickTimer = setTimeout(() => { refreshRelative(section); tick(); }, 60_000);
  }

  document.addEventListener("visibilitychange", () => {
    if (hidden()) { clearTimeout(tickTimer); return; }
    refreshRelative(section);
    tick();
    markSeen();
    poll();
  });

  for (const el of section.querySelectorAll(".update")) decorate(el);
  tick();
  timer = setTimeout(poll, isLive ? interval : idleInterval);

  window.newsroomLive = Object.freeze({ pollNow });
})();
