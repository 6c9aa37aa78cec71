import { join } from 'node:path';
import { request } from 'node:http';
import { artifacts, expect, test } from './fixtures';

test('the app shell renders in browser mode with no console error and no CSP violation', async ({ app, problems }) => {
  await expect(app.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(app.getByText('Harden Lab').first()).toBeVisible();
  // A fresh home has no profile: the app opens on Connections with the form ready.
  await expect(app.getByRole('heading', { level: 1, name: 'Connections' })).toBeVisible();
  await expect(app.getByLabel('Name')).toBeFocused();
  await app.screenshot({ path: join(artifacts, 'shell-first-run.png') });

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

test('a connection profile is validated, saved and listed', async ({ app, problems }) => {
  await app.getByLabel('Name').fill('bad name!');
  await app.getByLabel('User').fill('admin');
  await app.getByRole('button', { name: 'Save connection' }).click();
  await expect(app.getByText(/Profile names use letters/)).toBeVisible();
  await app.getByLabel('Name').fill('alpine-vbox');
  await app.getByLabel('Port').fill('2222');
  await app.getByRole('button', { name: 'Save connection' }).click();
  await expect(app.getByText('Saved the connection “alpine-vbox”.')).toBeVisible();
  await expect(app.getByRole('combobox', { name: 'Active connection profile' })).toContainText('alpine-vbox');
  await app.getByRole('button', { name: 'Delete alpine-vbox' }).click();
  await app.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(app.getByText('No connection yet. Add one below.')).toBeVisible();
  expect(problems.console).toEqual([]);
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
