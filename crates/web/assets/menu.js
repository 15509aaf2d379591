// On a phone the navigation starts folded behind its Menu button, so that the page's own
// content comes first on the screen. Without scripts it stays open, as on a wide screen.
const menu = document.querySelector("header.top details.menu");
if (menu && window.matchMedia("(max-width: 700px)").matches) {
  menu.open = false;
}
