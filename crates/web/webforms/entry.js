// Mounts ODK Web Forms on each <div data-form-url> of the page. The form's XML and files come
// from the device's OpenRosa address on this server; a filled form is handed to the page's own
// script (collect.js) as an `odk-submit` event, which queues and sends it.
import { nonce } from './csp-nonce.js';
import { createApp, h } from 'vue';
import { OdkWebForm, webFormsPlugin, POST_SUBMIT__NEW_INSTANCE } from '@getodk/web-forms';

async function mount(element) {
  const response = await fetch(element.dataset.formUrl, { credentials: 'omit' });
  if (!response.ok) throw new Error(String(response.status));
  const formXml = await response.text();
  const filesBase = new URL(element.dataset.filesUrl, location.href);
  // jr://images/photo.png, jr://file-csv/cases.csv: the form's files, by name.
  const fetchFormAttachment = (url) => {
    const name = String(url.pathname || url).split('/').pop();
    return fetch(new URL(filesBase.pathname + '/' + name, filesBase), { credentials: 'omit' });
  };
  const app = createApp({
    render: () => h(OdkWebForm, {
      formXml,
      fetchFormAttachment,
      missingResourceBehavior: 'BLANK',
      onSubmit: (payload, callback) => {
        const files = [...payload.data[0].entries()].map(([name, file]) => ({ name, file }));
        const done = (reset) => callback(reset ? { next: POST_SUBMIT__NEW_INSTANCE } : undefined);
        element.dispatchEvent(new CustomEvent('odk-submit', { bubbles: true, detail: { files, done } }));
      },
    }),
  });
  app.use(webFormsPlugin);
  if (nonce) app.config.globalProperties.$primevue.config.csp = { nonce };
  app.mount(element);
}

for (const element of document.querySelectorAll('[data-form-url]')) {
  mount(element).catch(() => {
    element.dispatchEvent(new CustomEvent('odk-failed', { bubbles: true }));
  });
}
