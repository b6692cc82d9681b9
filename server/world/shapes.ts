/**
 * Point-in-shape primitives for the silhouettes. Coordinates are in "height units": y in
 * [0, 1] top to bottom, x in [0, aspect], so a circle is round whatever the box's aspect.
 * Shapes are predicates sampled at pixel centers: no anti-aliasing, so every painted pixel has
 * exactly one PALETTE color (the verbalizer's nearest-palette count then recovers it exactly).
 */
export type Shape = (x: number, y: number) => boolean;

export const rect = (x0: number, y0: number, x1: number, y1: number): Shape => (x, y) =>
  x >= x0 && x <= x1 && y >= y0 && y <= y1;

export const ellipse = (cx: number, cy: number, rx: number, ry: number): Shape => (x, y) =>
  ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;

export const circle = (cx: number, cy: number, r: number): Shape => ellipse(cx, cy, r, r);

/** A circle with a hole: the annulus between inner and outer radius. */
export const ring = (cx: number, cy: number, outer: number, inner: number): Shape => (x, y) => {
  const d2 = (x - cx) ** 2 + (y - cy) ** 2;
  return d2 <= outer * outer && d2 >= inner * inner;
};

/** A rectangle with rounded corners of radius r. */
export const roundRect = (x0: number, y0: number, x1: number, y1: number, r: number): Shape => (x, y) => {
  if (x < x0 || x > x1 || y < y0 || y > y1) return false;
  const dx = Math.max(x0 + r - x, 0, x - (x1 - r));
  const dy = Math.max(y0 + r - y, 0, y - (y1 - r));
  return dx * dx + dy * dy <= r * r;
};

/** A thick line segment (capsule) of the given width. */
export const segment = (x0: number, y0: number, x1: number, y1: number, width: number): Shape => {
  const dx = x1 - x0, dy = y1 - y0;
  const length2 = dx * dx + dy * dy || 1;
  const half2 = (width / 2) ** 2;
  return (x, y) => {
    const t = Math.min(1, Math.max(0, ((x - x0) * dx + (y - y0) * dy) / length2));
    return (x - x0 - t * dx) ** 2 + (y - y0 - t * dy) ** 2 <= half2;
  };
};

/** Convex or concave polygon by the even-odd rule. */
export const polygon = (...points: [number, number][]): Shape => (x, y) => {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i]!;
    const [xj, yj] = points[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
};

export const union = (...shapes: Shape[]): Shape => (x, y) => shapes.some((shape) => shape(x, y));

/** `shape` restricted to where `clip` holds. */
export const clip = (shape: Shape, keep: Shape): Shape => (x, y) => shape(x, y) && keep(x, y);
