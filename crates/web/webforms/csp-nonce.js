// ODK Web Forms and PrimeVue add their styles as <style> elements while the form loads. The page's
// Content-Security-Policy allows only styles carrying this response's nonce, so every <style>
// created here gets it. Imported first, before anything that creates one.
const meta = document.querySelector('meta[name="csp-nonce"]');
export const nonce = meta ? meta.content : undefined;
if (nonce) {
  const createElement = document.createElement;
  document.createElement = function (tagName, options) {
    const element = createElement.call(this, tagName, options);
    if (String(tagName).toLowerCase() === 'style') element.setAttribute('nonce', nonce);
    return element;
  };
}
