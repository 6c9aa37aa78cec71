/**
 * Saves text as a file through a Blob and a temporary <a download>: no
 * navigation, no remote URL. In Electron the main process turns it into a
 * save dialog; in browser mode it is the browser's own download.
 */
export function saveTextFile(fileName: string, content: string, mime: string): void {
  const blob = new Blob([content], { type: mime || 'text/plain' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = safeFileName(fileName);
  a.rel = 'noopener';
  a.hidden = true;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoke after the click has been handled; revoking at once can cancel the download.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The core names exports; keep only a plain base name in case it ever sends a path. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^A-Za-z0-9._ -]+/g, '_').replace(/^\.+/, '').slice(0, 120);
  return cleaned || 'harden-lab-export.txt';
}
