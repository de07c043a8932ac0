// ABCA dashboard: the one script of every page (no inline script: the CSP forbids it).
// Live updates: an element with `data-live="<url>"` gets server-rendered, escaped rows over
// Server-Sent Events (`event: row` appends to it; `event: patch` sets the text of elements by id).
// Buttons and forms with `data-confirm` ask first.

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute('content') : '';
}

function startLive(el) {
  let url = el.getAttribute('data-live');
  if (!url || typeof EventSource === 'undefined') return;
  // `data-after`: the page already shows the events up to this sequence number.
  const after = el.getAttribute('data-after');
  if (after) url += `${url.includes('?') ? '&' : '?'}after=${encodeURIComponent(after)}`;
  const source = new EventSource(url);
  source.addEventListener('row', (e) => {
    // The server renders and escapes every row (dashboard/pages): it is markup, not outside text.
    el.insertAdjacentHTML('beforeend', e.data);
    if (el.getAttribute('data-follow') !== 'off') el.lastElementChild?.scrollIntoView({ block: 'nearest' });
  });
  source.addEventListener('patch', (e) => {
    let fields;
    try {
      fields = JSON.parse(e.data);
    } catch {
      return;
    }
    for (const [id, text] of Object.entries(fields)) {
      const target = document.getElementById(id);
      if (target) target.textContent = String(text);
    }
  });
  source.addEventListener('end', () => source.close());
}

document.addEventListener('DOMContentLoaded', () => {
  for (const el of document.querySelectorAll('[data-live]')) startLive(el);
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (e) => {
      if (!window.confirm(form.getAttribute('data-confirm') || 'Are you sure?')) e.preventDefault();
    });
  }
});

window.abca = { csrfToken };
