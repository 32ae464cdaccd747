// Model runs: which of a run's measures are a mean and which its upper and lower bounds.

export interface MeasureGroup {
  base: string;
  mean?: string;
  upper?: string;
  lower?: string;
}

/**
 * groupMeasures pairs "Mean X" (or plain "X"), "Upper Bound X" and "Lower Bound X" into one group
 * per X, in the order the names first appear.
 */
export function groupMeasures(names: readonly string[]): MeasureGroup[] {
  const groups = new Map<string, MeasureGroup>();
  const get = (base: string) => {
    let g = groups.get(base);
    if (!g) groups.set(base, (g = { base }));
    return g;
  };
  const prefixed = (name: string, prefix: string) =>
    name.toLowerCase().startsWith(prefix) && name.length > prefix.length ? name.slice(prefix.length) : null;
  for (const name of names) {
    let b: string | null;
    if ((b = prefixed(name, 'upper bound ')) !== null) get(b).upper = name;
    else if ((b = prefixed(name, 'lower bound ')) !== null) get(b).lower = name;
    else if ((b = prefixed(name, 'mean ')) !== null) get(b).mean = name;
    else {
      const g = get(name);
      g.mean ??= name;
    }
  }
  return [...groups.values()];
}

/** pickGroup chooses the group whose base is the linked sensor measure, else the first. */
export function pickGroup(groups: readonly MeasureGroup[], sensorMeasure?: string | null): MeasureGroup | undefined {
  if (sensorMeasure) {
    const g = groups.find((x) => x.base.toLowerCase() === sensorMeasure.toLowerCase());
    if (g) return g;
  }
  return groups[0];
}
