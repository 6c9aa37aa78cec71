import { realpathSync } from 'node:fs';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export function mimeType(path: string): string {
  return MIME[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps a URL path onto a file inside `root`, or null when it would leave it.
 * Decoding happens once; "..", absolute paths, NUL and backslashes are
 * refused; and the real path (symlinks resolved) must still be inside the
 * real root, so a link inside the build cannot point out of it.
 */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const clean = decoded.replace(/^\/+/, '') || 'index.html';
  if (clean.split('/').some((part) => part === '..')) return null;
  const rootAbs = resolve(root);
  const candidate = resolve(rootAbs, clean);
  const rel = relative(rootAbs, candidate);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  let realRoot: string;
  let realFile: string;
  try {
    realRoot = realpathSync(rootAbs);
    realFile = realpathSync(candidate);
  } catch {
    return null;
  }
  if (realFile !== realRoot && !realFile.startsWith(realRoot + sep)) return null;
  return realFile;
}
