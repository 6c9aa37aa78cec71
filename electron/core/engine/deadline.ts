import { HardenLabError } from '../errors';

/** Runs fn, failing with TIMEOUT after ms: "what" names it in the message. */
export async function withDeadline<T>(ms: number, what: string, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HardenLabError('TIMEOUT', `"${what}" did not finish within ${Math.round(ms / 1000)} s; the VM is treated as lost.`)), ms);
  });
  try {
    return await Promise.race([fn(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
