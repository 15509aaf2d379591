// Beside a long text with a limit, says how many characters it holds as one types. The limit
// itself is kept by the browser (maxlength) and by the server; this only shows where one is.
document.addEventListener("input", (event) => {
  const field = event.target;
  if (!(field instanceof HTMLTextAreaElement) || !field.maxLength || field.maxLength < 0) {
    return;
  }
  const hint = document.querySelector(`[data-count-of="${field.id}"]`);
  if (!hint || !hint.dataset.template) {
    return;
  }
  hint.textContent = hint.dataset.template
    .replace("%n", field.value.length.toLocaleString(document.documentElement.lang))
    .replace("%max", field.maxLength.toLocaleString(document.documentElement.lang));
});
