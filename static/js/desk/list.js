// The desk's list of updates: an item from the server replaces the one with its id (when newer)
// or takes its place in time order, newest first, as the page prints them.
export function createList(element) {
  function parse(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function upsert(update) {
    if (!update || !update.html) return null;
    const current = element.querySelector(`[data-update-id="${update.id}"]`);
    if (current && Number(current.dataset.version) >= Number(update.version)) return current;
    const item = parse(update.html);
    if (!item) return null;
    element.querySelector(":scope > li:not([data-update-id])")?.remove(); // "No updates yet."
    if (current) current.remove();
    const published = Number(item.dataset.published);
    const after = [...element.querySelectorAll(":scope > [data-update-id]")].find(
      (other) => Number(other.dataset.published) < published,
    );
    element.insertBefore(item, after || null);
    if (!current) item.classList.add("is-new");
    return item;
  }

  return { upsert };
}
