// Asks the story's change feed what changed since the cursor, at the live interval (or the
// idle one before coverage starts and after it ends), backing off on failures and resting in
// hidden tabs. What the answer means is the caller's business (`onChanges`).
import { isHidden } from "./dom.js";

const MAX_BACKOFF = 300_000;
// A request that hangs (a dead connection, a stalled proxy) would hold the poll for good, as a
// new one starts only when the last has settled; past this it is abandoned and retried.
const FETCH_TIMEOUT = 15_000;
// A long backlog comes in bounded batches: the rest is fetched almost at once.
const MORE_DELAY = 250;

export function createPoller({ url, cursor, interval, idleInterval, isLive, onChanges }) {
  let timer = 0, running = null, failures = 0, stopped = false;

  async function fetchChanges() {
    const address = new URL(url, location.href);
    address.searchParams.set("since", cursor);
    // no-cache: the browser revalidates with If-None-Match; a 304 reaches us as the cached 200,
    // which re-applies harmlessly because versions already shown are skipped.
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), FETCH_TIMEOUT);
    let data;
    try {
      const response = await fetch(address, {
        cache: "no-cache", headers: { Accept: "application/json" }, signal: controller.signal,
      });
      // The story is gone (unpublished, withdrawn): nothing more will come.
      if (response.status === 404 || response.status === 410) { stopped = true; return 0; }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      data = await response.json(); // the body can hang too: still under the timeout
    } finally {
      clearTimeout(timeout);
    }
    onChanges(data);
    if (data.cursor) cursor = String(data.cursor);
    failures = 0;
    if (data.more) return MORE_DELAY;
    return isLive() ? interval : idleInterval;
  }

  function poll(force = false) {
    if (running) return running;
    clearTimeout(timer);
    // A hidden tab stops the chain; becoming visible starts it again.
    if (stopped || (isHidden() && force !== true)) return Promise.resolve();
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

  document.addEventListener("visibilitychange", () => { if (!isHidden()) poll(); });
  timer = setTimeout(poll, isLive() ? interval : idleInterval);

  return {
    // A poll already under way may have started before the change the caller wants to see.
    // Tests may call this in a hidden tab too, to see what a late response does there.
    pollNow: () => (running ? running.then(() => poll(true)) : poll(true)),
  };
}
