// Coverage starting and ending on an open page: the "Live" badges, the story's is-live class,
// the "Coverage started … · ended …" line and the section a story without coverage hides.
import { parse } from "./dom.js";
import { decorate } from "./times.js";

export function createCoverage(section, { announce }) {
  let isLive = section.dataset.live === "true";
  let lineShown = null; // the line last received, so an unchanged one is left alone
  // The server renders the badges hidden on a page that is not live, so a start can show them;
  // an end takes them out, remembering where they were.
  const badges = [...document.querySelectorAll(".live-badge")]
    .map((el) => ({ el, parent: el.parentNode, next: el.nextSibling }));

  function set(live, lineHtml) {
    const current = section.querySelector("[data-coverage]");
    if (current && lineHtml && lineHtml !== lineShown) {
      lineShown = lineHtml;
      const line = parse(lineHtml);
      if (line) { decorate(line); current.replaceWith(line); }
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

  return { set, isLive: () => isLive };
}
