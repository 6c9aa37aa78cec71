import { parse, noExtraPositionals } from '../args';
import { EXIT } from '../io';
import type { Command } from './types';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'Check the tools Harden Lab uses on this machine and say what to install',
  usage: 'hardenlab doctor [--json]',
  async run(args, ctx) {
    const { positionals } = parse(args, {});
    noExtraPositionals(positionals, 0, this.usage);
    const report = await ctx.invoke('app.doctor', {});
    ctx.print(report, () => {
      const lines = report.tools.map((t) => {
        const mark = t.found ? 'ok     ' : 'missing';
        const tail = t.found ? (t.version ?? '') : `${t.detail ?? ''}${t.install ? ` -> ${t.install}` : ''}`;
        return `  ${mark}  ${t.name.padEnd(20)} ${tail}`;
      });
      lines.push(`  ${report.kvm.usable ? 'ok     ' : 'no     '}  ${'KVM'.padEnd(20)} ${report.kvm.detail}`);
      return `Harden Lab system check\n${lines.join('\n')}`;
    });
    const missingRequired = report.tools.some((t) => t.required && !t.found);
    return missingRequired ? EXIT.FAILED : EXIT.OK;
  },
};
