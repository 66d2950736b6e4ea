/** Something that can go inside an element: a node, text, or nothing. */
export type Child = Node | string | null | undefined | false;

/**
 * Creates an element with attributes and children. Text always becomes a
 * text node, never markup: the page sets no `innerHTML` anywhere, and its
 * Content-Security-Policy (Trusted Types) would refuse it if it did.
 *
 * @example
 * h('button', { type: 'button', class: 'danger' }, 'Sign out');
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Readonly<Record<string, string | boolean | undefined>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : value);
  }
  element.append(
    ...children.filter((child): child is Node | string => child !== null && child !== undefined && child !== false),
  );
  return element;
}

/** A unique id for pairing labels, hints and errors with their fields. */
let counter = 0;
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A labelled input with an optional hint, wired for assistive technology. */
export function field(options: {
  readonly label: string;
  readonly name: string;
  readonly type?: string;
  readonly autocomplete: string;
  readonly required?: boolean;
  readonly hint?: string;
  readonly minlength?: number;
  readonly maxlength?: number;
}): { readonly wrapper: HTMLDivElement; readonly input: HTMLInputElement } {
  const id = uid(options.name);
  const hintId = options.hint === undefined ? undefined : `${id}-hint`;
  const input = h('input', {
    id,
    name: options.name,
    type: options.type ?? 'text',
    autocomplete: options.autocomplete,
    required: options.required ?? false,
    minlength: options.minlength === undefined ? undefined : String(options.minlength),
    maxlength: options.maxlength === undefined ? undefined : String(options.maxlength),
    'aria-describedby': hintId,
    autocapitalize: 'none',
    spellcheck: 'false',
  });
  const wrapper = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, options.label),
    hintId === undefined ? null : h('p', { class: 'hint', id: hintId }, options.hint),
    input,
  );
  return { wrapper, input };
}

/** Runs `action` with `button` disabled, so a double click cannot send twice. */
export async function busy<T>(button: HTMLButtonElement, action: () => Promise<T>): Promise<T> {
  button.disabled = true;
  try {
    return await action();
  } finally {
    button.disabled = false;
  }
}

/**
 * A panel of the page: a `section` named by its heading (`<id>-heading`).
 *
 * @example
 * const heading = h('h2', { id: 'email-heading' }, 'Email address');
 * panel('email', heading, body);
 */
export function panel(id: string, heading: HTMLElement, ...children: Child[]): HTMLElement {
  heading.id = `${id}-heading`;
  return h('section', { class: 'panel', id, 'aria-labelledby': heading.id }, heading, ...children);
}
