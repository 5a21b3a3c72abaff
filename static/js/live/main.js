// Keeps an open story page current: polls the story's change feed and places what it returns
// in the stream, the pinned slot and the key-events list. The page is complete without it.
import { createCorrections } from "./corrections.js";
import { createCoverage } from "./coverage.js";
import { announcer } from "./dom.js";
import { createPoller } from "./poller.js";
import { createStream } from "./stream.js";
import { decorate, startMinuteTick } from "./times.js";

function start() {
  // The latest page of every published story carries a poll URL (older pages never change). A
  // story without coverage yet carries its live section hidden, revealed if coverage starts.
  const section = document.querySelector("section.live[data-poll-url]");
  if (!section?.querySelector("[data-stream]")) return null;

  const announce = announcer(section.querySelector("[data-live-status]"));
  // The page keeps itself current: the "reload for the latest" hint is for pages without this.
  const hint = section.querySelector("[data-reload-link]")?.closest(".reload-hint");
  if (hint) hint.hidden = true;
  const coverage = createCoverage(section, { announce });
  const stream = createStream(section, { announce });
  const corrections = createCorrections({ announce, label: section.dataset.labelCorrection });
  decorate(section);
  startMinuteTick(section);
  enableSharing(document.querySelector("article.story") || section);

  const interval = Math.max(2, Number(section.dataset.pollInterval) || 10) * 1000;
  return createPoller({
    url: section.dataset.pollUrl,
    cursor: section.dataset.cursor || "0",
    interval,
    // Not live (not started yet, or ended): polled only to notice coverage starting, or an edit.
    idleInterval: Math.max(interval, (Number(section.dataset.idleInterval) || 60) * 1000),
    isLive: coverage.isLive,
    onChanges(data) {
      // Coverage first, so that updates posted as it starts land in a revealed section.
      coverage.set(data.is_live !== false, data.coverage_html);
      corrections.set(data.corrections_html);
      stream.apply(data.updates || []);
    },
  });
}

// Each update's Share button: the system's share sheet where there is one, else the address is
// copied. Shown only with the script (the class on <html>); the time link is the permalink anyway.
function enableSharing(root) {
  document.documentElement.classList.add("js-live");
  root.addEventListener("click", async (event) => {
    const button = event.target.closest(".share-update");
    if (!button) return;
    const url = new URL(button.dataset.sharePath, location.href).href;
    try {
      if (navigator.share) {
        await navigator.share({ title: button.dataset.shareTitle || document.title, url });
        return;
      }
      await navigator.clipboard.writeText(url);
      const label = button.firstChild;
      const before = label.textContent;
      label.textContent = button.dataset.copied || before;
      setTimeout(() => { label.textContent = before; }, 2000);
    } catch (error) {
      // Sharing cancelled, or the clipboard refused: the permalink is still the time's link.
    }
  });
}

const poller = start();
// The browser tests poll at once instead of waiting out the interval.
if (poller) window.newsroomLive = Object.freeze({ pollNow: poller.pollNow });
