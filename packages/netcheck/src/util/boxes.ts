import type { Ipv4Range } from './ip.js';

/**
 * An (address range x port range) rectangle. Security groups and network ACLs are evaluated
 * as set operations on these, so a rule that covers only part of a subnet or part of the
 * ephemeral port range is seen as partial, not as a match.
 */
export interface Box {
  a0: number;
  a1: number;
  p0: number;
  p1: number;
}

export function box(range: Ipv4Range, ports: readonly [number, number]): Box {
  return { a0: range.start, a1: range.end, p0: ports[0], p1: ports[1] };
}

export function boxArea(b: Box): number {
  return (b.a1 - b.a0 + 1) * (b.p1 - b.p0 + 1);
}

export function totalArea(boxes: readonly Box[]): number {
  let sum = 0;
  for (const b of boxes) sum += boxArea(b);
  return sum;
}

export function intersect(a: Box, b: Box): Box | undefined {
  const a0 = Math.max(a.a0, b.a0);
  const a1 = Math.min(a.a1, b.a1);
  const p0 = Math.max(a.p0, b.p0);
  const p1 = Math.min(a.p1, b.p1);
  return a0 <= a1 && p0 <= p1 ? { a0, a1, p0, p1 } : undefined;
}

/** `a` minus `b`, as at most four disjoint boxes. */
export function subtract(a: Box, b: Box): Box[] {
  const cut = intersect(a, b);
  if (!cut) return [a];
  const out: Box[] = [];
  if (a.a0 < cut.a0) out.push({ a0: a.a0, a1: cut.a0 - 1, p0: a.p0, p1: a.p1 });
  if (cut.a1 < a.a1) out.push({ a0: cut.a1 + 1, a1: a.a1, p0: a.p0, p1: a.p1 });
  if (a.p0 < cut.p0) out.push({ a0: cut.a0, a1: cut.a1, p0: a.p0, p1: cut.p0 - 1 });
  if (cut.p1 < a.p1) out.push({ a0: cut.a0, a1: cut.a1, p0: cut.p1 + 1, p1: a.p1 });
  return out;
}

export function subtractAll(region: readonly Box[], cutter: Box): Box[] {
  return region.flatMap((b) => subtract(b, cutter));
}

export function intersectAll(region: readonly Box[], other: Box): Box[] {
  const out: Box[] = [];
  for (const b of region) {
    const cut = intersect(b, other);
    if (cut) out.push(cut);
  }
  return out;
}
