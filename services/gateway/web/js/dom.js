// dom.js: small DOM helpers shared by the views: element building, the
// page's live messages, form validation messages, dates, modal dialogs and
// copying a value.

let counter = 0;

// A fresh id for elements built at run time.
export function uniqueId(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

// h('p', {class: 'x'}, 'text', child) -> <p class="x">text<child></p>. Text
// is always set as text, never parsed as HTML.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function byId(id) {
  return document.getElementById(id);
}

// Show a message in the page's live regions: 'status' (a success) and
// 'info' are read politely, 'error' at once. An empty text clears both.
export function announce(text, kind = 'status') {
  const status = byId('page-status');
  const error = byId('page-error');
  status.textContent = '';
  error.textContent = '';
  status.classList.toggle('notice-info', kind === 'info');
  if (!text) return;
  // Emptying then filling on the next frame makes screen readers repeat a
  // message identical to the previous one.
  requestAnimationFrame(() => {
    (kind === 'error' ? error : status).textContent = text;
  });
}

// Show (or clear) a form's own error line, which is a role="alert" element.
export function formError(form, text) {
  const line = form.querySelector('.form-error');
  line.textContent = text || '';
  line.hidden = !text;
}

// Check a form's fields against their constraints; each invalid field gets its
// message (from data-missing / data-invalid) under it and aria-invalid.
// Returns true when everything is valid, otherwise focuses the first problem.
export function validate(form) {
  let first = null;
  for (const field of form.querySelectorAll('input[name], textarea[name]')) {
    const message = field.validity.valid ? ''
      : field.validity.valueMissing ? field.dataset.missing || 'Fill in this field.'
        : field.dataset.invalid || field.validationMessage;
    setFieldError(field, message);
    if (message && !first) first = field;
  }
  if (first) first.focus();
  return !first;
}

export function setFieldError(field, message) {
  const line = byId(field.id + '-error');
  if (!line) return;
  line.textContent = message || '';
  line.hidden = !message;
  if (message) field.setAttribute('aria-invalid', 'true');
  else field.removeAttribute('aria-invalid');
}

// While a request runs: the button says what is happening and cannot be
// pressed twice. Returns a function that puts it back.
export function busy(button, text) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = text;
  button.closest('form, section, dialog')?.setAttribute('aria-busy', 'true');
  return () => {
    button.disabled = false;
    button.textContent = label;
    button.closest('form, section, dialog')?.removeAttribute('aria-busy');
  };
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

// A <time> element for an RFC 3339 instant, or the fallback text for null.
export function timeElement(value, fallback = 'never') {
  if (!value) return document.createTextNode(fallback);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return document.createTextNode(value);
  return h('time', { datetime: value, title: date.toISOString() }, dateFormat.format(date));
}

// Open a <dialog> modally. Escape or Cancel closes it and gives focus back to
// what had it; resolves to true when the confirm button was chosen.
export function confirmDialog(dialog) {
  const opener = document.activeElement;
  return new Promise((resolve) => {
    const done = () => {
      dialog.removeEventListener('close', done);
      if (opener && opener.isConnected) opener.focus();
      resolve(dialog.returnValue === 'confirm');
    };
    dialog.returnValue = '';
    dialog.addEventListener('close', done);
    dialog.showModal();
    // The safe choice has the focus: Enter right away cancels.
    dialog.querySelector('[value="cancel"]')?.focus();
  });
}

// Copy text to the clipboard; the async API needs a secure context
// (https or localhost), so fall back to selecting the field and the old
// copy command. Returns true when the text reached the clipboard.
export async function copyText(field) {
  const text = field.value;
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Permission refused: try the old way.
    }
  }
  field.focus();
  field.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  }
}
