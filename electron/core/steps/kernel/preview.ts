import type { StepContext } from '../../engine/step';
import { alpineIndexView, debianIndexView, type KernelFacts, type KernelIndexView } from './probe';

/**
 * What a refreshed index would offer, found without changing the VM: the
 * package manager refreshes a private copy of its index in a temporary
 * directory (removed on exit), with the VM's own sources plus, when the plan
 * adds it, the security suite. The VM's index, its sources and its package
 * cache stay as they are; that is what the plan's own refresh command changes
 * later, inside the snapshot. The VM's current index files seed the copy, so
 * unchanged ones are only revalidated, not downloaded again.
 *
 * Each script prints sections "### begin NAME" ... "### end NAME rc=N".
 */
const DEBIAN_PREVIEW_SCRIPT = `set -u
meta=$1
extra=$2
tmp=$(mktemp -d /var/tmp/hardenlab-apt.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
# apt downloads as the _apt user, which must reach the lists directory.
chmod 755 "$tmp"
mkdir -p "$tmp/lists/partial" "$tmp/parts" "$tmp/cache"
for f in /var/lib/apt/lists/*; do
  if [ -f "$f" ] && [ "\${f##*/}" != lock ]; then cp -p "$f" "$tmp/lists/"; fi
done
for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  if [ -f "$f" ]; then cp "$f" "$tmp/parts/"; fi
done
if [ -n "$extra" ]; then printf '%s\\n' "$extra" > "$tmp/parts/hardenlab-security.list"; fi
private() {
  "$@" -o Dir::State::Lists="$tmp/lists" -o Dir::Etc::SourceParts="$tmp/parts" -o Dir::Cache="$tmp/cache" -o Acquire::Languages=none
}
section() {
  name=$1
  shift
  echo "### begin $name"
  "$@" 2>&1
  echo "### end $name rc=$?"
}
section update private apt-get -q update
section policy private apt-cache policy "$meta"
section show private apt-cache show "$meta"
section simulate private apt-get -s -o Debug::NoLocking=1 install --only-upgrade "$meta"
`;

// apk's documented --cache-dir ("temporarily override the cache directory")
// takes the index files too. Not run on a real Alpine here (none can run on
// the build machines): a failure only makes the plan fall back to the VM's
// own index, with a note saying so.
const ALPINE_PREVIEW_SCRIPT = `set -u
meta=$1
tmp=$(mktemp -d /var/tmp/hardenlab-apk.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT
for f in /var/cache/apk/APKINDEX.*; do
  if [ -f "$f" ]; then cp -p "$f" "$tmp/"; fi
done
section() {
  name=$1
  shift
  echo "### begin $name"
  "$@" 2>&1
  echo "### end $name rc=$?"
}
section update apk --cache-dir "$tmp" update
section policy apk --cache-dir "$tmp" policy "$meta"
section version apk --cache-dir "$tmp" version "$meta"
`;

export interface Section {
  rc: number | null;
  text: string;
}

export function parseSections(output: string): Record<string, Section> {
  const sections: Record<string, Section> = {};
  const re = /^### begin (\S+)\n([\s\S]*?)^### end \1 rc=(\d+)$/gm;
  for (const m of output.matchAll(re)) sections[m[1]!] = { rc: Number(m[3]), text: m[2]! };
  return sections;
}

/** apt-get update exits 0 although a source failed; its W:/E: lines say so. */
export function refreshProblems(updateText: string): string[] {
  return updateText
    .split('\n')
    .filter((l) => /^(E:|W: (Failed to fetch|Some index files failed)|Err:)/.test(l) || /^ERROR:|^WARNING: .*(fetch|No such file|temporary error)/i.test(l))
    .map((l) => l.trim())
    .slice(0, 6);
}

export async function previewIndex(ctx: StepContext, facts: KernelFacts, extraSourceLine: string | null): Promise<KernelIndexView> {
  const meta = facts.flavor?.metaPackage;
  if (!meta) return facts.index;
  const isDebian = facts.family === 'debian';
  ctx.log(`Refreshing a private copy of the package index to see the newest ${meta}${extraSourceLine ? ' (with the security suite)' : ''}; the VM's own index is not touched.`);
  const r = await ctx.target.exec(['sh', '-c', isDebian ? DEBIAN_PREVIEW_SCRIPT : ALPINE_PREVIEW_SCRIPT, 'sh', meta, ...(isDebian ? [extraSourceLine ?? ''] : [])], {
    elevate: true,
    timeoutMs: 10 * 60_000,
    maxOutputBytes: 4 * 1024 * 1024,
  });
  const s = parseSections(r.stdout);
  const update = s.update;
  const problems = update ? refreshProblems(update.text) : [];
  if (!update || !s.policy || s.policy.rc !== 0) {
    return { ...facts.index, note: `the private index refresh failed (${(problems[0] ?? r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`).slice(0, 200)}); showing the VM's own index` };
  }
  const view = isDebian
    ? debianIndexView('refreshed-copy', s.policy.text, s.show?.text ?? '', s.simulate?.text ?? '', facts.flavorSuffix)
    : alpineIndexView('refreshed-copy', s.policy.text, s.version?.text ?? '', meta);
  if (problems.length > 0 || update.rc !== 0) return { ...view, note: `the refresh reported problems: ${problems.join(' / ') || `exit ${update.rc}`}` };
  return view;
}
