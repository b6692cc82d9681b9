/**
 * Stock-asset captions and keywords (paper §3 stock dataset): descriptive, keyword-rich, and
 * usually faithful to the image; 20% are loose concept captions that name only the backdrop,
 * and 10% name an object the image does not show (mis-tagged assets exist in real catalogs).
 */
import { OBJECT_CLASSES } from "../verbalize/vocabulary";
import { CATEGORY_PROFILES } from "./categories";
import type { Rng } from "./random";
import type { Scene, SceneTendencies } from "./scene";
import type { StockTopic } from "./worldModel";

const GENERAL_WORDS = ["concept", "abstract", "design", "minimal", "modern"];
const GENERIC_KEYWORDS = ["background", "copy space", "illustration", "flat", "graphic", "simple", "icon", "vector"];
const RELATIONS = ["next to", "beside", "with", "and"];
const MOODS = ["calm", "cheerful", "bold", "clean", "playful"];

const article = (word: string) => (/^[aeiou]/.test(word) ? "an" : "a");
const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

export function stockTendencies(topic: StockTopic): SceneTendencies {
  if (topic === "general")
    return { palette: ["white", "gray", "blue", "red"], paletteRate: 0.3, products: OBJECT_CLASSES, productRate: 1, props: OBJECT_CLASSES, objectCountWeights: [1, 1, 0.6, 0.3] };
  const profile = CATEGORY_PROFILES[topic];
  return { palette: profile.palette, paletteRate: 0.5, products: profile.products, productRate: 0.7, props: profile.props, objectCountWeights: [1, 1, 0.6, 0.3] };
}

const topicWordsOf = (topic: StockTopic) => (topic === "general" ? GENERAL_WORDS : [topic, ...CATEGORY_PROFILES[topic].topicWords]);

export function writeStockCaption(rng: Rng, topic: StockTopic, scene: Scene): { caption: string; keywords: string[] } {
  const topicWords = rng.shuffle(topicWordsOf(topic)).slice(0, rng.int(2, 3));
  const [first, second] = scene.objects;
  const bg = `${scene.background.tone === "plain" ? "" : `${scene.background.tone} `}${scene.background.color}`;
  const roll = rng.next();
  let caption: string;
  const keywords = [...topicWords];
  if (!first || roll < 0.2) {
    caption = `${capitalize(topicWords[0]!)} concept, ${rng.pick(MOODS)} mood, ${bg} tones`;
  } else if (roll < 0.3) {
    const shown = new Set<string>(scene.objects.map((o) => o.label));
    const wrong = rng.pick(OBJECT_CLASSES.filter((c) => !shown.has(c)));
    caption = `${capitalize(wrong)} on ${article(bg)} ${bg} background, ${topicWords[0]} theme`;
    keywords.push(wrong, scene.background.color);
  } else {
    const hero = `${first.color} ${first.label}`;
    const withSecond = second && rng.chance(0.6) ? ` ${rng.pick(RELATIONS)} ${article(second.color)} ${second.color} ${second.label}` : "";
    caption = rng.chance(0.5)
      ? `${capitalize(article(first.color))} ${hero}${withSecond} on ${article(bg)} ${bg} background`
      : `${capitalize(topicWords[0]!)}: ${hero}${withSecond}, isolated on ${bg}, with copy space`;
    keywords.push(...scene.objects.map((o) => o.label), first.color, scene.background.color);
  }
  keywords.push(...rng.shuffle(GENERIC_KEYWORDS).slice(0, rng.int(1, 5)));
  if (scene.background.tone !== "plain") keywords.push(scene.background.tone);
  return { caption, keywords: [...new Set(keywords)] };
}
