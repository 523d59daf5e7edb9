// Copy buttons for the newsletter section's copy-out page. Each button names the read-only
// textarea it copies; without the clipboard API the buttons stay hidden and the text can still
// be selected by hand or downloaded.
(() => {
  const say = (id, message) => {
    const status = document.querySelector(`[data-copy-status="${id}"]`);
    if (status) status.textContent = message;
  };

  document.addEventListener("DOMContentLoaded", () => {
    if (!navigator.clipboard || !window.isSecureContext) return;
    document.querySelectorAll("button[data-copy]").forEach((button) => {
      button.hidden = false;
    });
  });

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-copy]");
    if (!button) return;
    const id = button.dataset.copy;
    const source = document.getElementById(id);
    if (!source) return;
    try {
      await navigator.clipboard.writeText(source.value);
      say(id, "Copied.");
    } catch (error) {
      source.focus();
      source.select();
      say(id, "Your browser did not allow copying. The text is selected: press Ctrl+C (⌘C on a Mac).");
    }
  });
})();
