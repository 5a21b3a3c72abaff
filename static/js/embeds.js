// Social post cards: a video's player loads only when the reader asks for it. Until the click
// the page has requested nothing from the platform; the card's poster is our own copy (or a
// neutral one). Delegated from the document, so cards an open page receives by polling work
// too. Without JavaScript the button stays hidden and the card links to the original.
const PLAYER_ORIGIN = "https://www.youtube-nocookie.com";

document.documentElement.classList.add("can-play-video");

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-video-src]");
  if (!button) return;
  let src;
  try {
    src = new URL(button.dataset.videoSrc);
  } catch {
    return;
  }
  // The page's Content-Security-Policy allows this frame source and no other.
  if (src.origin !== PLAYER_ORIGIN || !src.pathname.startsWith("/embed/")) return;
  src.searchParams.set("autoplay", "1");
  const frame = document.createElement("iframe");
  frame.className = "social-video-frame";
  frame.src = src.href;
  frame.title = button.dataset.videoTitle || button.textContent.trim();
  frame.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
  frame.allowFullscreen = true;
  // YouTube's player refuses to play without knowing which site embeds it: the origin only.
  frame.referrerPolicy = "strict-origin-when-cross-origin";
  const box = button.closest(".social-video");
  box.replaceChildren(frame);
  box.classList.add("is-playing");
  frame.focus();
});
