// Small progressive enhancements; every page works without them.
document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", () => {
  const toggle = document.querySelector(".menu-toggle");
  const nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      const open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }
  // The phone's own share sheet, where the browser has one; the plain links stay beside it.
  document.querySelectorAll(".share-native").forEach((button) => {
    if (!navigator.share) return;
    button.hidden = false;
    button.addEventListener("click", () => {
      const { shareTitle: title, shareText: text, shareUrl: url } = button.dataset;
      navigator.share({ title, text, url }).catch(() => {});
    });
  });
  // Ask before a destructive form is submitted (data-confirm="message").
  document.body.addEventListener("submit", (event) => {
    const message = event.target.dataset ? event.target.dataset.confirm : null;
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
});
