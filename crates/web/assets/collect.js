// The web form client's queue. A form filled in ODK Web Forms (odk-webforms.js) arrives here as an
// `odk-submit` event; it is saved in this browser (IndexedDB) first, so nothing is lost if the
// connection is down, then sent to the device's OpenRosa submission address as ODK Collect would
// send it. What waits is sent again when the connection returns, every half minute, or on
// "Send now". A refusal keeps the submission on the device and shows the server's reason. The
// service worker (collect-sw.js) lets the page open again without a connection.
(() => {
  const root = document.getElementById('collect');
  if (!root) return;
  const submissionUrl = root.dataset.submissionUrl;
  const text = (name) => root.dataset[name] || '';
  const status = document.getElementById('collect-status');
  const waiting = document.getElementById('collect-waiting');
  const refusedList = document.getElementById('collect-refused');
  const sendNow = document.getElementById('collect-send');
  const say = (message) => { status.textContent = message; };

  const opened = new Promise((resolve, reject) => {
    const request = indexedDB.open('reintegra-collect', 1);
    request.onupgradeneeded = () => request.result.createObjectStore('queue', { autoIncrement: true });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const store = async (mode) => (await opened).transaction('queue', mode).objectStore('queue');
  const done = (request) => new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const entries = async () => {
    const queue = await store('readonly');
    const [keys, values] = await Promise.all([done(queue.getAllKeys()), done(queue.getAll())]);
    return keys.map((key, i) => ({ key, ...values[i] }))
      .filter((entry) => entry.submissionUrl === submissionUrl);
  };

  // Waiting and refused submissions of this device, as the page shows them.
  async function show() {
    const all = await entries();
    waiting.textContent = String(all.filter((entry) => !entry.refused).length);
    refusedList.replaceChildren(...all.filter((entry) => entry.refused).map((entry) => {
      const item = document.createElement('li');
      const reason = document.createElement('span');
      reason.textContent = `${new Date(entry.savedAt).toLocaleString()}: ${entry.refused} `;
      const discard = document.createElement('button');
      discard.type = 'button';
      discard.className = 'secondary';
      discard.textContent = text('discard');
      discard.addEventListener('click', async () => {
        if (!window.confirm(text('discardConfirm'))) return;
        await done((await store('readwrite')).delete(entry.key));
        await show();
      });
      item.append(reason, discard);
      return item;
    }));
    refusedList.hidden = !refusedList.children.length;
  }

  // The reason in an OpenRosa refusal's body, or the status when there is none.
  async function reasonOf(response) {
    try {
      const xml = new DOMParser().parseFromString(await response.text(), 'text/xml');
      const message = xml.getElementsByTagName('message')[0];
      if (message && message.textContent.trim()) return message.textContent.trim();
    } catch (_) { /* not XML: the status says enough */ }
    return `${response.status} ${response.statusText}`;
  }

  let sending = false;
  async function send() {
    if (sending) return;
    sending = true;
    let sent = 0;
    let offline = false;
    try {
      for (const entry of await entries()) {
        if (entry.refused) continue;
        const body = new FormData();
        for (const { name, file } of entry.files) body.append(name, file, file.name || name);
        let response;
        try {
          response = await fetch(submissionUrl, {
            method: 'POST', body, credentials: 'omit', headers: { 'X-OpenRosa-Version': '1.0' },
          });
        } catch (_) {
          offline = true;
          break;
        }
        if (response.status === 201 || response.status === 202) {
          await done((await store('readwrite')).delete(entry.key));
          sent += 1;
        } else if (response.status >= 400 && response.status < 500 && response.status !== 408
          && response.status !== 429) {
          entry.refused = await reasonOf(response);
          const { key, ...kept } = entry;
          await done((await store('readwrite')).put(kept, key));
        } else {
          offline = true; // the server is busy or failing: try again later
          break;
        }
      }
    } finally {
      sending = false;
    }
    await show();
    const left = Number(waiting.textContent);
    if (sent) say(`${text('sent')} ${sent}`);
    else if (left && offline) say(text('offline'));
    return left;
  }

  root.addEventListener('odk-submit', async (event) => {
    const { files, done: finish } = event.detail;
    try {
      await done((await store('readwrite')).add({ submissionUrl, savedAt: Date.now(), files }));
    } catch (_) {
      say(text('notSaved'));
      finish(false);
      return;
    }
    finish(true);
    say(text('saved'));
    await show();
    await send();
  });
  root.addEventListener('odk-failed', () => say(text('failed')));
  // Kept by the service worker, this page opens again without a connection.
  if ('serviceWorker' in navigator && root.dataset.workerUrl) {
    navigator.serviceWorker.register(root.dataset.workerUrl)
      .then(() => navigator.serviceWorker.ready)
      .then(keepForOffline)
      .catch(() => {});
  }

  // Asks again, through the worker, for what this page loaded before the worker was there: the
  // page, its scripts and styles, the form and the files its manifest lists.
  async function keepForOffline() {
    // Only requests made once the worker controls the page go through it.
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => {
        navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true });
      });
    }
    const form = document.querySelector('[data-form-url]');
    const wanted = [location.href, form.dataset.formUrl,
      ...[...document.scripts].map((s) => s.src), ...[...document.styleSheets].map((s) => s.href)];
    const manifest = await fetch(form.dataset.formUrl.replace(/\.xml$/, '/manifest'));
    if (manifest.ok) {
      const xml = new DOMParser().parseFromString(await manifest.text(), 'text/xml');
      for (const url of xml.getElementsByTagName('downloadUrl')) {
        wanted.push(new URL(url.textContent.trim()).pathname);
      }
    }
    await Promise.all(wanted.filter(Boolean).map((url) => fetch(url).catch(() => null)));
  }
  sendNow.addEventListener('click', () => send());
  window.addEventListener('online', () => send());
  setInterval(() => { if (Number(waiting.textContent)) send(); }, 30000);
  show().then(send);
})();
