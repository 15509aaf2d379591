// Small helps for every page; each page works without them.

// On a phone the navigation starts folded behind its Menu button, so that the page's own
// content comes first on the screen. Without scripts it stays open, as on a wide screen.
const menu = document.querySelector("header.top details.menu");
if (menu && window.matchMedia("(max-width: 700px)").matches) {
  menu.open = false;
}

// A link of the error summary puts the focus in its field, ready for the correction (a link
// to a part of the page alone only scrolls there), with the field's label in view.
document.addEventListener("click", (event) => {
  const link = event.target.closest("#error-summary a[href^='#']");
  const target = link && document.getElementById(link.getAttribute("href").slice(1));
  if (!target) return;
  event.preventDefault();
  const field = target.matches("input, select, textarea")
    ? target
    : target.querySelector("input:not([type=hidden]), select, textarea");
  (field || target).focus({ preventScroll: true });
  (target.closest(".field") || target).scrollIntoView({ block: "start" });
});
