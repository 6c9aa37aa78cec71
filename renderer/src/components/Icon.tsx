/**
 * A small set of stroke icons drawn inline (no icon font, no remote asset):
 * they take the text colour, so they read in both themes.
 */
const PATHS = {
  check: 'M4 12.5l5 5L20 6.5',
  x: 'M6 6l12 12M18 6L6 18',
  alert: 'M12 3.5L2.5 20h19L12 3.5zM12 10v4.5M12 17.2v.3',
  lock: 'M6 11h12v9H6zM8.5 11V8a3.5 3.5 0 017 0v3',
  info: 'M12 21a9 9 0 100-18 9 9 0 000 18zM12 11v6M12 7.6v.3',
  reboot: 'M20 12a8 8 0 11-2.35-5.65M20 4v4.5h-4.5',
  network: 'M12 21a9 9 0 100-18 9 9 0 000 18zM3 12h18M12 3c2.5 2.5 3.5 5.5 3.5 9s-1 6.5-3.5 9c-2.5-2.5-3.5-5.5-3.5-9s1-6.5 3.5-9z',
  container: 'M3.5 7.5L12 3l8.5 4.5v9L12 21l-8.5-4.5v-9zM3.5 7.5L12 12l8.5-4.5M12 12v9',
  camera: 'M4 8h3l1.5-2.5h7L17 8h3v11H4zM12 16.5a3 3 0 100-6 3 3 0 000 6z',
  undo: 'M9 14L4 9l5-5M4 9h10.5a5.5 5.5 0 010 11H11',
  terminal: 'M3.5 5h17v14h-17zM7 9.5l3 2.5-3 2.5M12.5 15h4.5',
  shield: 'M12 3l7.5 3v6c0 4.5-3.2 7.8-7.5 9-4.3-1.2-7.5-4.5-7.5-9V6L12 3z',
  chevronRight: 'M9 5l7 7-7 7',
  chevronDown: 'M5 9l7 7 7-7',
  plus: 'M12 5v14M5 12h14',
  trash: 'M4.5 7h15M9.5 7V4.5h5V7M6.5 7l1 13h9l1-13',
  download: 'M12 4v11M7 10.5l5 5 5-5M5 20h14',
  search: 'M10.5 17.5a7 7 0 100-14 7 7 0 000 14zM15.5 15.5L20.5 20.5',
  clock: 'M12 21a9 9 0 100-18 9 9 0 000 18zM12 7v5l3.5 2',
  key: 'M14.5 9.5a4 4 0 11-8 0 4 4 0 018 0zM13.5 12.5l7 7M17.5 16.5l2-2',
  skip: 'M5 5l9 7-9 7V5zM18 5v14',
  book: 'M4 5.5A2.5 2.5 0 016.5 3H20v15H6.5A2.5 2.5 0 004 20.5v-15zM4 20.5A2.5 2.5 0 006.5 23H20',
  dot: 'M12 14a2 2 0 100-4 2 2 0 000 4z',
  play: 'M7 4.5l12 7.5-12 7.5v-15z',
  circle: 'M12 20a8 8 0 100-16 8 8 0 000 16z',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 16, className, label }: { name: IconName; size?: number; className?: string; label?: string }) {
  return (
    <svg
      className={className ? `icon ${className}` : 'icon'}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      strokeLinejoin="round"
      role={label ? 'img' : undefined}
      aria-label={label}
      aria-hidden={label ? undefined : true}
      focusable="false"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}

export function Spinner({ label }: { label?: string }) {
  return <span className="spinner" role={label ? 'status' : undefined} aria-label={label} aria-hidden={label ? undefined : true} />;
}
