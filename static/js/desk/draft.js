// What is typed on the desk survives a reload or a crash: kept in the browser's storage per
// story, restored into an empty form, cleared once the update is posted.
const FIELDS = ["title", "body", "published_at"];
const BOXES = ["is_key_event", "is_pinned"];

export function createDraft(form, key) {
  const storage = (() => {
    try { return window.localStorage; } catch (error) { return null; }
  })();
  const field = (name) => form.querySelector(`[name="${name}"]`);

  function snapshot() {
    const data = {};
    for (const name of FIELDS) data[name] = field(name)?.value || "";
    for (const name of BOXES) data[name] = Boolean(field(name)?.checked);
    return data;
  }

  function hasText() {
    const data = snapshot();
    return Boolean(data.title.trim() || data.body.trim());
  }

  function save() {
    if (!storage) return;
    try {
      if (hasText()) storage.setItem(key, JSON.stringify(snapshot()));
      else storage.removeItem(key);
    } catch (error) {
      // Storage full or refused: the text is still in the form.
    }
  }

  function restore() {
    if (!storage || hasText()) return false;
    let data = null;
    try { data = JSON.parse(storage.getItem(key) || "null"); } catch (error) { return false; }
    if (!data || !(data.title || data.body)) return false;
    for (const name of FIELDS) if (field(name) && data[name]) field(name).value = data[name];
    for (const name of BOXES) if (field(name)) field(name).checked = Boolean(data[name]);
    field("body")?.dispatchEvent(new Event("input", { bubbles: true })); // the preview follows
    return true;
  }

  function clear() {
    try { storage?.removeItem(key); } catch (error) { /* nothing kept, nothing to clear */ }
  }

  let watching = false;
  function watch() {
    if (watching) return;
    watching = true;
    form.addEventListener("input", save);
    form.addEventListener("change", save);
  }
  watch();

  return { restore, clear, save, snapshot, hasText, watch };
}
