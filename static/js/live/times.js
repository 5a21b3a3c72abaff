// Times on a live page: the reader's own local time as a tooltip, and "3 min ago" beside each
// update's clock. The server prints the story's zone; these only add to it.
import { isHidden } from "./dom.js";

const lang = document.documentElement.lang || undefined;
const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
const DATE_STYLE = { dateStyle: "medium", timeStyle: "short" };
const DAY = 86_400_000;
const MINUTE = 60_000;

function relative(ms) {
  // A reader's clock running ahead of the server must not produce "in 1 minute".
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return rtf.format(0, "second");
  if (s < 3600) return rtf.format(-Math.floor(s / 60), "minute");
  return rtf.format(-Math.floor(s / 3600), "hour");
}

export function refreshRelative(root) {
  const now = Date.now();
  for (const time of root.querySelectorAll("time.update-clock[data-utc]")) {
    // After the link, not inside it: the link names the article (aria-labelledby), and that
    // name should not change every minute.
    const after = time.closest("a") || time;
    const next = after.nextElementSibling;
    let span = next && next.classList.contains("relative-time") ? next : null;
    const age = now - Date.parse(time.dataset.utc);
    // Past a day "23 hours ago" says less than the date beside it.
    if (!(age < DAY)) { span?.remove(); continue; }
    if (!span) {
      span = document.createElement("span");
      span.className = "relative-time";
      after.after(span);
    }
    span.textContent = " " + relative(age);
  }
}

// "Your time: 20 Nov 2023, 07:45 (UTC+1)": the reader's own clock, named with its zone, for a
// reader elsewhere than the story (the page itself prints the story's zone).
function localLabel(date) {
  const zone = new Intl.DateTimeFormat(lang, { timeZoneName: "short" })
    .formatToParts(date).find((part) => part.type === "timeZoneName")?.value;
  const prefix = document.querySelector("[data-local-time-label]")?.dataset.localTimeLabel;
  const text = `${date.toLocaleString(lang, DATE_STYLE)}${zone ? ` (${zone})` : ""}`;
  return prefix ? `${prefix} ${text}` : text;
}

export function decorate(root) {
  for (const time of root.querySelectorAll("time[data-utc]")) {
    const date = new Date(time.dataset.utc);
    if (!Number.isNaN(date.getTime())) time.title = localLabel(date);
  }
  refreshRelative(root);
}

// "3 min ago" moves on each minute, but not in a hidden tab: nobody reads it there, and it is
// brought up to date the moment the tab is shown.
export function startMinuteTick(root) {
  let timer = 0;
  function tick() {
    clearTimeout(timer);
    if (!isHidden()) timer = setTimeout(() => { refreshRelative(root); tick(); }, MINUTE);
  }
  document.addEventListener("visibilitychange", () => {
    if (isHidden()) { clearTimeout(timer); return; }
    refreshRelative(root);
    tick();
  });
  tick();
}
