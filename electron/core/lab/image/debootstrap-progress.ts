/**
 * Turns debootstrap's "I: ..." lines into a percentage. debootstrap does not
 * say how far it is, but its stages always come in the same order, so each
 * stage gets a band of the bar and every line inside a stage moves the bar a
 * little, never past the band's end. Measured on a 2-core machine: fetching
 * and validating ~20 %, extracting ~5 %, installing the core ~15 %, the base
 * system (dpkg configure, host keys, initramfs) the rest.
 */
interface Stage {
  match: RegExp;
  from: number;
  to: number;
  label: string;
}

const STAGES: Stage[] = [
  { match: /^I: (Retrieving|Validating) (Release|InRelease|Packages)/, from: 0, to: 3, label: 'Reading the package index' },
  { match: /^I: Resolving dependencies/, from: 3, to: 6, label: 'Resolving dependencies' },
  { match: /^I: (Checking component|Retrieving|Validating) /, from: 6, to: 22, label: 'Fetching packages' },
  { match: /^I: (Chosen extractor|Extracting) /, from: 22, to: 27, label: 'Extracting the core' },
  { match: /^I: (Installing core packages|Unpacking required|Configuring required)/, from: 27, to: 42, label: 'Installing the core' },
  { match: /^I: (Unpacking the base system|Configuring the base system)/, from: 42, to: 98, label: 'Installing the base system' },
  { match: /^I: Base system installed successfully/, from: 100, to: 100, label: 'Base system installed' },
];

/** Each line inside a stage advances by this fraction of what is left of its band. */
const STEP = 0.04;

export interface DebootstrapUpdate {
  message: string;
  percent: number;
}

export class DebootstrapProgress {
  private stage = -1;
  private percent = 0;

  feed(rawLine: string): DebootstrapUpdate | null {
    const line = rawLine.trim();
    if (!line.startsWith('I: ')) {
      if (line.startsWith('E: ') || line.startsWith('W: ')) return { message: line.slice(3), percent: this.rounded() };
      return null;
    }
    // Later stages may reuse an earlier stage's words ("Retrieving"), so only look forward.
    for (let i = Math.max(this.stage, 0); i < STAGES.length; i++) {
      const s = STAGES[i]!;
      if (s.match.test(line)) {
        if (i !== this.stage) {
          this.stage = i;
          this.percent = Math.max(this.percent, s.from);
        }
        break;
      }
    }
    const cur = STAGES[this.stage];
    if (cur && cur.to > this.percent) this.percent += (cur.to - this.percent) * STEP;
    if (cur && cur.from === 100) this.percent = 100;
    return { message: line.slice(3), percent: this.rounded() };
  }

  private rounded(): number {
    return Math.round(this.percent * 10) / 10;
  }
}

/** Splits streamed output into whole lines; the remainder waits for the next chunk. */
export class LineSplitter {
  private rest = '';
  push(chunk: string): string[] {
    this.rest += chunk;
    const parts = this.rest.split(/\r?\n|\r/);
    this.rest = parts.pop() ?? '';
    return parts;
  }
  flush(): string[] {
    const r = this.rest;
    this.rest = '';
    return r ? [r] : [];
  }
}
