/**
 * The 18 object classes as composite silhouettes (SPEC §3.1: distinct shapes the scene detector
 * can learn): person = head + torso + limbs, bottle = cap + neck + body + label, car = body +
 * cabin + wheels, sun = disc + rays, tree = trunk + crown, ... Each is drawn in height units
 * (x in [0, aspect], y in [0, 1]) and touches all four edges of its box, so the scene's box is
 * the tight box of the painted pixels. Layers paint in order; later layers cover earlier ones.
 */
import type { ColorName, ObjectClass } from "../verbalize/vocabulary";
import { circle, clip, ellipse, polygon, rect, ring, roundRect, segment, union, type Shape } from "./shapes";

export type Part = "main" | "accent" | "detail";

export type Silhouette = {
  /** Natural width / height of the object. */
  aspect: number;
  layers: [Part, Shape][];
  /** Fixed colors of the secondary parts (the object's own color paints "main"). */
  accent: ColorName;
  detail: ColorName;
};

const sunRays: Shape = union(
  ...Array.from({ length: 8 }, (_, k) => {
    const angle = (k * Math.PI) / 4;
    const [c, s] = [Math.cos(angle), Math.sin(angle)];
    return segment(0.5 + 0.34 * c, 0.5 + 0.34 * s, 0.5 + 0.465 * c, 0.5 + 0.465 * s, 0.07);
  }),
);

const petals: Shape = union(
  ...Array.from({ length: 6 }, (_, k) => {
    const angle = (k * Math.PI) / 3;
    return circle(0.275 + 0.155 * Math.cos(angle), 0.25 + 0.155 * Math.sin(angle), 0.11);
  }),
);

export const SILHOUETTES: Record<ObjectClass, Silhouette> = {
  person: { aspect: 0.45, accent: "beige", detail: "navy", layers: [
    ["main", union(rect(0.06, 0.25, 0.39, 0.62), rect(0, 0.27, 0.07, 0.58), rect(0.38, 0.27, 0.45, 0.58))],
    ["main", union(rect(0.09, 0.6, 0.205, 1), rect(0.245, 0.6, 0.36, 1))],
    ["accent", circle(0.225, 0.12, 0.12)],
  ] },
  bottle: { aspect: 0.36, accent: "white", detail: "black", layers: [
    ["main", union(rect(0.13, 0.07, 0.23, 0.3), polygon([0.13, 0.28], [0.23, 0.28], [0.36, 0.42], [0, 0.42]))],
    ["main", roundRect(0, 0.41, 0.36, 1, 0.05)],
    ["accent", rect(0, 0.58, 0.36, 0.78)],
    ["detail", rect(0.12, 0, 0.24, 0.07)],
  ] },
  cup: { aspect: 1, accent: "white", detail: "brown", layers: [
    ["main", clip(ring(0.76, 0.45, 0.24, 0.13), (x) => x > 0.7)],
    ["main", polygon([0, 0], [0.78, 0], [0.7, 1], [0.08, 1])],
    ["accent", rect(0, 0, 0.78, 0.09)],
  ] },
  car: { aspect: 2.2, accent: "silver", detail: "black", layers: [
    ["main", union(roundRect(0, 0.35, 2.2, 0.8, 0.12), polygon([0.55, 0], [1.55, 0], [1.85, 0.37], [0.3, 0.37]))],
    ["accent", polygon([0.66, 0.08], [1.05, 0.08], [1.05, 0.31], [0.5, 0.31])],
    ["accent", polygon([1.15, 0.08], [1.5, 0.08], [1.7, 0.31], [1.15, 0.31])],
    ["detail", union(circle(0.5, 0.8, 0.2), circle(1.7, 0.8, 0.2))],
  ] },
  shoe: { aspect: 1.8, accent: "white", detail: "gray", layers: [
    ["main", union(rect(0.05, 0, 0.6, 0.85), clip(ellipse(1, 0.85, 0.8, 0.5), (_, y) => y <= 0.85))],
    ["accent", rect(0.05, 0, 0.6, 0.08)],
    ["detail", rect(0, 0.83, 1.8, 1)],
  ] },
  phone: { aspect: 0.5, accent: "black", detail: "gray", layers: [
    ["main", roundRect(0, 0, 0.5, 1, 0.07)],
    ["accent", rect(0.06, 0.08, 0.44, 0.84)],
    ["detail", circle(0.25, 0.92, 0.035)],
  ] },
  laptop: { aspect: 1.4, accent: "navy", detail: "gray", layers: [
    ["main", union(rect(0.12, 0, 1.28, 0.72), polygon([0.1, 0.75], [1.3, 0.75], [1.4, 1], [0, 1]))],
    ["accent", rect(0.19, 0.06, 1.21, 0.65)],
    ["detail", rect(0.3, 0.8, 1.1, 0.9)],
  ] },
  tree: { aspect: 0.8, accent: "brown", detail: "olive", layers: [
    ["accent", rect(0.32, 0.55, 0.48, 1)],
    ["main", union(circle(0.4, 0.25, 0.25), circle(0.2, 0.45, 0.2), circle(0.6, 0.45, 0.2))],
  ] },
  sun: { aspect: 1, accent: "orange", detail: "white", layers: [
    ["main", union(circle(0.5, 0.5, 0.27), sunRays)],
  ] },
  house: { aspect: 1, accent: "maroon", detail: "brown", layers: [
    ["main", rect(0.1, 0.45, 0.9, 1)],
    ["accent", polygon([0.5, 0], [1, 0.46], [0, 0.46])],
    ["detail", union(rect(0.42, 0.68, 0.58, 1), rect(0.18, 0.56, 0.33, 0.7), rect(0.67, 0.56, 0.82, 0.7))],
  ] },
  dog: { aspect: 1.5, accent: "brown", detail: "black", layers: [
    ["main", union(ellipse(0.7, 0.52, 0.45, 0.2), rect(0.35, 0.6, 0.45, 1), rect(0.95, 0.6, 1.05, 1))],
    ["main", union(circle(1.23, 0.3, 0.2), ellipse(1.38, 0.38, 0.12, 0.08), segment(0.3, 0.45, 0.05, 0.12, 0.07))],
    ["accent", polygon([1.05, 0.22], [1.12, 0], [1.22, 0.16])],
    ["detail", circle(1.3, 0.25, 0.03)],
  ] },
  bag: { aspect: 0.9, accent: "brown", detail: "gold", layers: [
    ["accent", clip(ring(0.45, 0.38, 0.38, 0.27), (_, y) => y < 0.4)],
    ["main", roundRect(0, 0.35, 0.9, 1, 0.06)],
    ["detail", rect(0.39, 0.5, 0.51, 0.6)],
  ] },
  watch: { aspect: 0.5, accent: "black", detail: "white", layers: [
    ["accent", rect(0.13, 0, 0.37, 1)],
    ["main", circle(0.25, 0.5, 0.25)],
    ["detail", circle(0.25, 0.5, 0.16)],
  ] },
  plane: { aspect: 1.8, accent: "silver", detail: "navy", layers: [
    ["main", ellipse(0.9, 0.5, 0.9, 0.1)],
    ["main", union(polygon([0.85, 0.45], [1.15, 0.45], [0.75, 0], [0.6, 0]), polygon([0.85, 0.55], [1.15, 0.55], [0.75, 1], [0.6, 1]))],
    ["main", union(polygon([0.05, 0.5], [0.22, 0.5], [0.1, 0.24], [0.02, 0.24]), polygon([0.05, 0.5], [0.22, 0.5], [0.1, 0.76], [0.02, 0.76]))],
    ["detail", ellipse(1.6, 0.5, 0.1, 0.05)],
  ] },
  bicycle: { aspect: 1.6, accent: "silver", detail: "black", layers: [
    ["main", union(ring(0.32, 0.68, 0.32, 0.23), ring(1.28, 0.68, 0.32, 0.23))],
    ["main", union(segment(0.32, 0.68, 0.7, 0.68, 0.07), segment(0.7, 0.68, 1.1, 0.3, 0.07),
      segment(0.55, 0.3, 1.1, 0.3, 0.07), segment(0.55, 0.3, 0.7, 0.68, 0.07), segment(0.55, 0.3, 0.32, 0.68, 0.07),
      segment(1.1, 0.3, 1.28, 0.68, 0.07), segment(0.55, 0.3, 0.5, 0.06, 0.06), segment(1.1, 0.3, 1.15, 0.05, 0.06))],
    ["accent", segment(1.04, 0.04, 1.3, 0.04, 0.07)],
    ["detail", rect(0.38, 0, 0.62, 0.08)],
  ] },
  chair: { aspect: 0.7, accent: "beige", detail: "brown", layers: [
    ["main", union(rect(0, 0, 0.12, 1), rect(0, 0.5, 0.7, 0.62), rect(0.6, 0.62, 0.7, 1))],
    ["accent", rect(0.12, 0.43, 0.7, 0.5)],
    ["detail", rect(0, 0.12, 0.12, 0.2)],
  ] },
  flower: { aspect: 0.55, accent: "green", detail: "yellow", layers: [
    ["accent", union(segment(0.275, 0.35, 0.275, 0.98, 0.06), ellipse(0.4, 0.75, 0.14, 0.05))],
    ["main", petals],
    ["detail", circle(0.275, 0.25, 0.08)],
  ] },
  burger: { aspect: 1.3, accent: "green", detail: "maroon", layers: [
    ["main", union(clip(ellipse(0.65, 0.45, 0.65, 0.45), (_, y) => y <= 0.45), roundRect(0.05, 0.75, 1.25, 1, 0.08))],
    ["accent", polygon([0.02, 0.44], [1.28, 0.44], [1.28, 0.55], [0.02, 0.55])],
    ["detail", roundRect(0, 0.55, 1.3, 0.76, 0.06)],
  ] },
};

/** The part of class `label` at box-relative (u, v) in [0, 1]², or null outside the silhouette. */
export function partAt(label: ObjectClass, u: number, v: number): Part | null {
  const silhouette = SILHOUETTES[label];
  const x = u * silhouette.aspect;
  for (let i = silhouette.layers.length - 1; i >= 0; i--) {
    const [part, shape] = silhouette.layers[i]!;
    if (shape(x, v)) return part;
  }
  return null;
}
