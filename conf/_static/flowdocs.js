// Name the theme's icon-only sidebar toggles after the section each one opens.
document.addEventListener("DOMContentLoaded", () => {
  for (const summary of document.querySelectorAll("summary")) {
    if (summary.textContent.trim() || summary.hasAttribute("aria-label")) continue;
    const link = summary.parentElement.querySelector(":scope > a");
    const section = link ? link.textContent.trim() : "this section";
    summary.setAttribute("aria-label", `Show or hide the pages in ${section}`);
  }
});
