import { busy, type Child, field, h } from './dom.js';
import { describeError } from './messages.js';

/** A form that runs one action on submit, with its button and its error line. */
export interface ActionForm {
  readonly form: HTMLFormElement;
  readonly button: HTMLButtonElement;
  /** Announced to assistive technology when it changes (`role="alert"`). */
  readonly error: HTMLParagraphElement;
}

/**
 * A form whose submit runs `action` once at a time (the button is disabled
 * meanwhile), and whose failure is written in plain words into its error
 * line, then handed to `failed` (to select a field again, say).
 *
 * @example
 * const { form } = actionForm({ label: 'forgot-heading', submit: 'Send me a link', children: [email.wrapper], action: send });
 */
export function actionForm(options: {
  /** The id of the heading that names the form. */
  readonly label?: string;
  readonly submit: string;
  readonly children: readonly Child[];
  /** More buttons beside the submit button ("Back"...). */
  readonly extraActions?: readonly Child[];
  readonly action: () => Promise<void>;
  readonly failed?: (error: unknown) => void;
}): ActionForm {
  const button = h('button', { type: 'submit' }, options.submit);
  const error = h('p', { class: 'form-error', role: 'alert' });
  const form = h(
    'form',
    { 'aria-labelledby': options.label },
    error,
    ...options.children,
    h('div', { class: 'actions' }, button, ...(options.extraActions ?? [])),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    error.textContent = '';
    busy(button, options.action).catch((failure: unknown) => {
      error.textContent = describeError(failure);
      options.failed?.(failure);
    });
  });
  return { form, button, error };
}

/** A field for a password being chosen, with the server's length rule as a hint. */
export function newPasswordField(name: string, label = 'New password'): ReturnType<typeof field> {
  return field({
    label,
    name,
    type: 'password',
    autocomplete: 'new-password',
    required: true,
    minlength: 8,
    maxlength: 1024,
    hint: '8 characters or more. A passphrase of a few words is easy to remember.',
  });
}

/** A field for an email address. */
export function emailField(name: string, options: { label?: string; required?: boolean; hint?: string } = {}) {
  const email = field({
    label: options.label ?? 'Email address',
    name,
    type: 'email',
    autocomplete: 'email',
    required: options.required ?? true,
    maxlength: 254,
    ...(options.hint === undefined ? {} : { hint: options.hint }),
  });
  return email;
}

/** A button that looks like a link, for a step aside ("Forgot your password?"). */
export function linkButton(label: string, onClick: () => void): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'link' }, label);
  button.addEventListener('click', onClick);
  return button;
}

/** The optional "Device name" field of the sign-in forms. */
export function deviceField(): ReturnType<typeof field> {
  return field({
    label: 'Device name (optional)',
    name: 'device',
    autocomplete: 'off',
    maxlength: 100,
    hint: 'Shown in your list of sessions, e.g. "Work laptop".',
  });
}

/** A field for the 6-digit code of a mail. */
export function mailedCodeField(name: string, hint: string): ReturnType<typeof field> {
  const code = field({
    label: 'Code from the mail',
    name,
    autocomplete: 'one-time-code',
    required: true,
    maxlength: 6,
    hint,
  });
  code.input.setAttribute('inputmode', 'numeric');
  code.input.setAttribute('pattern', '[0-9]{6}');
  return code;
}
