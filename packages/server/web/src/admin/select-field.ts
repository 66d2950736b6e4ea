import { h, uid } from '../dom.js';

/**
 * A labelled `<select>` of `[value, label]` options, the first one chosen
 * unless `value` names another.
 *
 * @example
 * selectField('Disabled', 'disabled', [['', 'Any'], ['true', 'Disabled'], ['false', 'Enabled']], params.get('disabled'));
 */
export function selectField(
  label: string,
  name: string,
  options: readonly (readonly [string, string])[],
  value: string | null,
): { readonly wrapper: HTMLDivElement; readonly select: HTMLSelectElement } {
  const id = uid(name);
  const select = h(
    'select',
    { id, name },
    ...options.map(([optionValue, text]) => h('option', { value: optionValue, selected: optionValue === value }, text)),
  );
  return { wrapper: h('div', { class: 'field' }, h('label', { for: id }, label), select), select };
}
