import { CoreCallError } from '../io';

/** For commands whose capability is not in this build: a clear, typed refusal (exit 1). */
export function arrivesWith(capability: string): never {
  throw new CoreCallError({ code: 'NOT_IMPLEMENTED', message: `This arrives with ${capability}.`, hint: 'It is not available in this build yet.' });
}
