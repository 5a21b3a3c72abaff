// The story's own corrections on an open page: the poll sends the block as the page prints it;
// a new one replaces the old and is announced, an unchanged one is left alone.
import { parse } from "./dom.js";
import { decorate } from "./times.js";

export function createCorrections({ announce, label }) {
  let shown = null; // the block last received

  function set(html) {
    const current = document.querySelector("[data-story-corrections]");
    if (!current || !html || html === shown) return;
    shown = html;
    const block = parse(html);
    if (!block) return;
    const before = current.querySelectorAll("li").length;
    decorate(block);
    current.replaceWith(block);
    // A first answer that only confirms what the page was rendered with says nothing.
    if (block.querySelectorAll("li").length > before && label) announce(label);
  }

  return { set };
}
