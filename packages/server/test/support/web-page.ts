import type { Locator, Page } from 'playwright-core';
import { afterEach } from 'vitest';
import { type Device, launchDevice } from './real-browser.js';

/** The parts of the web page that browser tests reach for by name. */
export const pageParts = {
  signInForm: (page: Page): Locator => page.locator('form[aria-labelledby="sign-in-heading"]'),
  signUpForm: (page: Page): Locator => page.locator('form[aria-labelledby="sign-up-heading"]'),
  profileHeading: (page: Page): Locator => page.getByRole('heading', { name: 'Your profile' }),
  signInHeading: (page: Page): Locator => page.getByRole('heading', { name: 'Sign in', exact: true }),
};

/**
 * Devices for the tests of the calling `describe`: each call launches one,
 * and all are closed after each test.
 *
 * @example
 * const device = devicesPerTest();
 * const page = await (await device()).open(server.url);
 */
export function devicesPerTest(): () => Promise<Device> {
  const opened: Device[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((device) => device.close()));
  });
  return async () => {
    const device = await launchDevice();
    opened.push(device);
    return device;
  };
}

/**
 * Fills a form's fields, found by their labels, then presses its button.
 *
 * @example
 * await fillAndSubmit(pageParts.signInForm(page), { 'Email or username': email, Password: password }, 'Sign in');
 */
export async function fillAndSubmit(
  form: Locator,
  fields: Readonly<Record<string, string>>,
  button: string,
): Promise<void> {
  for (const [label, value] of Object.entries(fields)) await form.getByLabel(label).fill(value);
  await form.getByRole('button', { name: button, exact: true }).click();
}
