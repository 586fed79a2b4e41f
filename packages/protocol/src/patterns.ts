/**
 * Access patterns, the one matcher for rooms, topics and publish rights. A pattern
 * is an exact name (`team-a`), a prefix ending in `*` (`team-*`), or `*` alone.
 * A `*` anywhere else is refused, not matched literally: room and topic names never
 * hold `*`, so such a pattern could only be an issuer's mistake, and guessing what it
 * meant (a glob? a literal?) would grant rights nobody wrote down. Matching is
 * case-sensitive, like the names themselves.
 */

/** Letters, digits and `_.:-` (the topic alphabet, which holds the room alphabet), then an optional `*`. */
const PATTERN = /^[A-Za-z0-9_.:-]{0,128}\*?$/;
/** Patterns per list: enough for any real grant, few enough that matching stays cheap. */
export const MAX_PATTERNS = 256;

/** Why `value` is not a pattern, or undefined when it is one. */
export function patternProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length === 0) return 'must not be empty';
  if (!PATTERN.test(value)) {
    return value.slice(0, -1).includes('*')
      ? 'may hold "*" only at its end'
      : 'must be 1-128 of letters, digits, "_", ".", ":", "-", optionally ending in "*"';
  }
  return undefined;
}

export function isPattern(value: unknown): value is string {
  return patternProblem(value) === undefined;
}

/** Whether `name` matches `pattern`. `pattern` must be valid (see {@link isPattern}). */
export function matchesPattern(pattern: string, name: string): boolean {
  if (pattern.endsWith('*')) return name.startsWith(pattern.slice(0, -1));
  return name === pattern;
}

/** Whether any of `patterns` matches `name`; an empty list, or an empty name, matches nothing. */
export function matchesAny(patterns: readonly string[], name: string): boolean {
  if (name.length === 0) return false;
  return patterns.some((pattern) => matchesPattern(pattern, name));
}

/**
 * Checks a whole list: the reason for its first bad entry, naming it as
 * `label[index]`, or undefined when every entry is a pattern.
 */
export function patternListProblem(value: unknown, label: string): string | undefined {
  if (!Array.isArray(value)) return `${label} must be a list of patterns`;
  if (value.length > MAX_PATTERNS) return `${label} must hold at most ${MAX_PATTERNS} patterns`;
  for (const [index, entry] of value.entries()) {
    const problem = patternProblem(entry);
    if (problem !== undefined) return `${label}[${index}] ${problem}`;
  }
  return undefined;
}
