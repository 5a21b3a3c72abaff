// Small helpers shared by the live modules.

// The element of a fragment the server rendered with the page's own partials: the only HTML
// these modules ever insert.
export function parse(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content.firstElementChild;
}

// Says a short text through the section's polite live region (new updates, coverage ended).
export function announcer(status) {
  return (text) => {
    if (!status) return;
    // Emptying first lets screen readers announce a text identical to the previous one.
    status.textContent = "";
    setTimeout(() => { status.textContent = text; }, 50);
  };
}

export const isHidden = () => document.visibilityState === "hidden";
