import { h, uid } from '../dom.js';

/** What a confirmation says. */
export interface Confirmation {
  /** The question, naming the action and its target ("Disable alice?"). */
  readonly title: string;
  /** Exactly what will happen ("Ends 3 sessions at once and refuses her logins."). */
  readonly consequence: string;
  /** The confirming button's words ("Disable alice"). */
  readonly confirm: string;
}

/**
 * Asks before a destructive action, in a modal `<dialog>` that says what the
 * action will do. Cancel (or Escape) is the default and the button in focus,
 * so a stray Enter does nothing. Resolves `true` only when confirmed.
 *
 * @example
 * if (await confirmAction({ title: 'End this session?', consequence: 'Signs out the work laptop.', confirm: 'End session' })) await api.endSession(id);
 */
export function confirmAction(confirmation: Confirmation): Promise<boolean> {
  const titleId = uid('confirm-title');
  const bodyId = uid('confirm-body');
  const cancel = h('button', { type: 'button', class: 'secondary', autofocus: true }, 'Cancel');
  const confirm = h('button', { type: 'button', class: 'danger' }, confirmation.confirm);
  const dialog = h(
    'dialog',
    { class: 'confirm', 'aria-labelledby': titleId, 'aria-describedby': bodyId },
    h('h2', { id: titleId }, confirmation.title),
    h('p', { id: bodyId }, confirmation.consequence),
    h('div', { class: 'actions' }, cancel, confirm),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    let confirmed = false;
    cancel.addEventListener('click', () => dialog.close());
    confirm.addEventListener('click', () => {
      confirmed = true;
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(confirmed);
    });
    dialog.showModal();
    cancel.focus();
  });
}
