import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, noExtraPositionals } from '../args';
import { EXIT, UsageError } from '../io';
import { run } from '../../core/proc';
import { startServer } from '../../server/server';
import { createCore } from '../../core/api/core';
import { version } from '../version';
import type { Command } from './types';

const projectRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
export const RENDERER_DIR = resolve(projectRoot, '.vite', 'renderer', 'main_window');

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Browser mode: serve the app on 127.0.0.1 with a one-time token URL',
  usage: 'hardenlab serve [--port N] [--build] [--json]',
  async run(args, ctx) {
    const { values, positionals } = parse(args, { port: { type: 'string' }, build: { type: 'boolean' } });
    noExtraPositionals(positionals, 0, this.usage);
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a port number (0 picks a free one).');
    if (values.build) {
      ctx.io.err('Building the renderer…\n');
      const vite = resolve(projectRoot, 'node_modules', '.bin', 'vite');
      const r = await run(vite, ['build', '-c', resolve(projectRoot, 'renderer', 'vite.config.ts'), '--logLevel', 'warn'], { cwd: projectRoot, onStderr: (t) => ctx.io.err(t) });
      if (r.code !== 0) {
        ctx.io.err(r.stdout + r.stderr);
        return EXIT.FAILED;
      }
    }
    const core = createCore({ door: 'browser', version: version() });
    const server = await startServer({ core, staticDir: RENDERER_DIR, port, log: (l) => ctx.io.err(l + '\n') });
    ctx.print({ url: server.url, port: server.port }, () => `Harden Lab is serving on 127.0.0.1 only. Open this URL (it holds the access token):\n\n  ${server.url}\n\nPress Ctrl+C to stop.`);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void server.close().then(() => core.dispose()).then(done);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return EXIT.OK;
  },
};
