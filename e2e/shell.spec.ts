import { join } from 'node:path';
import { request } from 'node:http';
import { artifacts, expect, test } from './fixtures';

test('the app shell renders in browser mode with no console error and no CSP violation', async ({ app, problems }) => {
  await expect(app.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(app.getByText('Harden Lab').first()).toBeVisible();

  // Keyboard navigation between views.
  await app.keyboard.press('Alt+8');
  await expect(app.getByRole('heading', { level: 1, name: 'System check' })).toBeVisible();
  await expect(app.getByRole('cell', { name: 'qemu-system-x86_64' })).toBeVisible();
  await expect(app.getByText('browser mode (local server)')).toBeVisible();
  await app.screenshot({ path: join(artifacts, 'system-check.png') });

  const csp = await app.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);
  expect(csp).toEqual([]);
  expect(problems.console).toEqual([]);
  expect(problems.pageErrors).toEqual([]);
});

test('the server refuses a request without the token', async () => {
  const url = new URL(process.env.HARDENLAB_E2E_URL!);
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: '/' }, (res) => resolve(res.statusCode ?? 0));
    req.on('error', reject);
    req.end();
  });
  expect(status).toBe(401);
});
