import { z } from 'zod';

// zod compiles object parsers with `new Function` unless told not to; the
// CSP forbids eval, so parse without the JIT (it is fast enough for forms).
z.config({ jitless: true });
