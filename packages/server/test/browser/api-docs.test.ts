import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  artifact,
  type BrowserServer,
  type Device,
  describeWithBrowser,
  launchDevice,
  problemsOf,
  startBrowserServer,
} from '../support/real-browser.js';

describeWithBrowser()('the API reference page in Chromium', () => {
  let server: BrowserServer;
  let device: Device;
  beforeAll(async () => {
    server = await startBrowserServer();
    device = await launchDevice({ width: 1280, height: 900 });
  }, 90_000);
  afterAll(async () => {
    await device?.close();
    await server?.close();
  });

  it('renders under its policy: its own style applies, nothing is refused, and the links lead to each route', async () => {
    const requested: string[] = [];
    device.context.on('request', (request) => requested.push(request.url()));
    const page = await device.open(`${server.url}/docs`);
    // The inline stylesheet is admitted by its hash; had the policy refused it, the navigation would not stick.
    expect(await page.evaluate<string>("getComputedStyle(document.querySelector('nav')).position")).toBe('sticky');
    expect(await page.locator('article').count()).toBeGreaterThan(15);
    // The page loaded nothing besides itself.
    expect(requested).toEqual([`${server.url}/docs`]);

    await page.locator('nav a[href="#op-postAuthRefresh"]').click();
    expect(new URL(page.url()).hash).toBe('#op-postAuthRefresh');
    await expect
      .poll(() => page.evaluate<number>("document.querySelector('#op-postAuthRefresh h3').getBoundingClientRect().top"))
      .toBeLessThan(100);

    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: artifact('api-docs.png') });
    expect(problemsOf(page)).toEqual([]);
  });
});
