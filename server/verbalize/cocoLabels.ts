import { OBJECT_CLASSES, type ObjectClass } from "./vocabulary";

/**
 * COCO → scene vocabulary. The canonical text (what BoigLLM reads and writes, SPEC §3.4) names
 * objects only from OBJECT_CLASSES, the classes the world draws and the engagement model knows.
 * The photo detector (COCO CenterNet) speaks COCO's 80 names; this map translates the ones that
 * mean the same thing and drops the rest (null). Rule: map only when a marketer would use the
 * scene word for what COCO detected, so a mapping never invents an object:
 * - "cell phone" → phone, "airplane" → plane, "handbag"/"backpack" → bag: same things.
 * - "clock" → null: COCO has no watch class and its clocks are mostly wall and tower clocks;
 *   calling them watches would invent wrist watches.
 * - "sandwich" → null (burgers are a subset of it, subs are not), "potted plant" → null (not
 *   a flower), "truck"/"bus" → null (not a car), "wine glass" → null (not a cup),
 *   "suitcase" → null (luggage, not the bag silhouette).
 * Dropped objects stay in the full record (Verbalization.objects keeps the detector's label);
 * only the canonical form omits them — see droppedObjectLabels in canonical.ts.
 */
export const COCO_LABELS = [
  "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
  "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
  "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
  "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
  "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
  "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed",
  "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven",
  "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
] as const;
export type CocoLabel = (typeof COCO_LABELS)[number];

const MAPPED: Partial<Record<CocoLabel, ObjectClass>> = {
  person: "person",
  bicycle: "bicycle",
  car: "car",
  airplane: "plane",
  dog: "dog",
  backpack: "bag",
  handbag: "bag",
  bottle: "bottle",
  cup: "cup",
  chair: "chair",
  laptop: "laptop",
  "cell phone": "phone",
};

/** Every COCO label with its scene class, or null where there is none (dropped from canonical text). */
export const COCO_TO_SCENE: Readonly<Record<CocoLabel, ObjectClass | null>> = Object.fromEntries(
  COCO_LABELS.map((label) => [label, MAPPED[label] ?? null]),
) as Record<CocoLabel, ObjectClass | null>;

const SCENE_CLASSES: ReadonlySet<string> = new Set(OBJECT_CLASSES);

/** The scene class a detector label stands for: itself if it is one, its COCO mapping, else null. */
export function toSceneClass(label: string): ObjectClass | null {
  const normalized = label.trim().toLowerCase();
  if (SCENE_CLASSES.has(normalized)) return normalized as ObjectClass;
  return (COCO_TO_SCENE as Record<string, ObjectClass | null>)[normalized] ?? null;
}
