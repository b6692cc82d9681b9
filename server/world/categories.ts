/**
 * The hand-written part of the world (SPEC §3.1): what each brand category posts and what its
 * audience tends to like. Brands (brands.ts) add seeded, brand-specific deviations on top, so
 * two brands of one category agree on the broad strokes but not on every detail.
 * Preference numbers are additive effects on log-likes (before the category's image
 * sensitivity and the brand deviations); docs/world.md prints this table for users.
 */
import type { ColorName, ObjectClass, Tone } from "../verbalize/vocabulary";

export const CATEGORIES = ["beverage", "fashion", "tech", "travel", "food", "auto", "sports", "home"] as const;
export type Category = (typeof CATEGORIES)[number];

export type CategoryProfile = {
  /** Object classes that are the category's products: usually the hero of an image. */
  products: ObjectClass[];
  /** Supporting objects that often share the frame. */
  props: ObjectClass[];
  /** Colors the category's art direction paints with. */
  palette: ColorName[];
  /** Caption nouns for the product that are NOT vocabulary words (so they never count as a mention). */
  productNouns: string[];
  /** Words that identify the category's topic in a stock caption or keyword list. */
  topicWords: string[];
  /** Seasonal peak (day of year) and amplitude on log-likes. */
  seasonPeakDay: number;
  seasonAmplitude: number;
  /** Multiplies every image effect: how much this audience cares about the picture. */
  imageSensitivity: number;
  likes: {
    colors: Partial<Record<ColorName, number>>;
    tones: Partial<Record<Tone, number>>;
    objects: Partial<Record<ObjectClass, number>>;
  };
};

export const CATEGORY_PROFILES: Record<Category, CategoryProfile> = {
  beverage: {
    products: ["bottle", "cup"], props: ["sun", "person", "flower", "tree"],
    palette: ["cyan", "red", "orange", "yellow", "white"],
    productNouns: ["drink", "soda", "refresher", "brew", "sparkling water"],
    topicWords: ["drink", "beverage", "refreshing", "soda", "thirst"],
    seasonPeakDay: 196, seasonAmplitude: 0.18, imageSensitivity: 1.1,
    likes: {
      colors: { cyan: 0.8, yellow: 0.6, orange: 0.5, red: 0.3, gray: -0.7, brown: -0.6, navy: -0.3 },
      tones: { vivid: 0.5, warm: 0.3, dark: -0.5, muted: -0.3 },
      objects: { sun: 0.6, person: 0.4, bottle: 0.3, chair: -0.5, laptop: -0.4 },
    },
  },
  fashion: {
    products: ["shoe", "bag", "watch"], props: ["person", "flower", "chair"],
    palette: ["black", "white", "beige", "pink", "maroon"],
    productNouns: ["collection", "sneakers", "look", "jacket", "accessories"],
    topicWords: ["fashion", "style", "outfit", "wardrobe", "trend"],
    seasonPeakDay: 100, seasonAmplitude: 0.12, imageSensitivity: 1.3,
    likes: {
      colors: { pink: 0.6, beige: 0.5, black: 0.4, white: 0.3, orange: -0.5, olive: -0.6, cyan: -0.3 },
      tones: { light: 0.4, muted: 0.3, vivid: -0.4 },
      objects: { person: 0.7, bag: 0.3, shoe: 0.2, burger: -0.6, car: -0.3 },
    },
  },
  tech: {
    products: ["phone", "laptop", "watch"], props: ["person", "cup", "chair"],
    palette: ["black", "silver", "navy", "blue", "white"],
    productNouns: ["device", "gadget", "earbuds", "tablet", "update"],
    topicWords: ["technology", "digital", "gadget", "device", "innovation"],
    seasonPeakDay: 330, seasonAmplitude: 0.15, imageSensitivity: 0.9,
    likes: {
      colors: { navy: 0.6, black: 0.5, silver: 0.5, blue: 0.3, brown: -0.6, pink: -0.4, olive: -0.5 },
      tones: { cool: 0.5, dark: 0.3, warm: -0.4 },
      objects: { phone: 0.5, laptop: 0.4, person: 0.1, flower: -0.5, dog: -0.2 },
    },
  },
  travel: {
    products: ["plane", "house", "sun"], props: ["tree", "person", "bag"],
    palette: ["blue", "cyan", "teal", "yellow", "green"],
    productNouns: ["getaway", "trip", "flight deal", "escape", "itinerary"],
    topicWords: ["travel", "vacation", "holiday trip", "destination", "adventure"],
    seasonPeakDay: 170, seasonAmplitude: 0.25, imageSensitivity: 1.2,
    likes: {
      colors: { blue: 0.6, cyan: 0.6, teal: 0.4, green: 0.3, gray: -0.6, black: -0.5, maroon: -0.4 },
      tones: { light: 0.4, cool: 0.3, dark: -0.6 },
      objects: { sun: 0.6, plane: 0.4, tree: 0.3, laptop: -0.5, chair: -0.4 },
    },
  },
  food: {
    products: ["burger", "cup"], props: ["person", "bottle", "flower"],
    palette: ["red", "yellow", "orange", "brown", "green"],
    productNouns: ["meal", "menu", "combo", "fries", "dessert"],
    topicWords: ["food", "delicious", "meal", "restaurant", "recipe"],
    seasonPeakDay: 15, seasonAmplitude: 0.12, imageSensitivity: 1.1,
    likes: {
      colors: { red: 0.6, orange: 0.5, yellow: 0.4, brown: 0.2, blue: -0.6, purple: -0.5, gray: -0.4 },
      tones: { warm: 0.6, vivid: 0.3, cool: -0.5 },
      objects: { burger: 0.6, person: 0.3, cup: 0.2, phone: -0.4, car: -0.4 },
    },
  },
  auto: {
    products: ["car"], props: ["tree", "house", "person", "sun"],
    palette: ["red", "black", "silver", "navy", "white"],
    productNouns: ["model", "sedan", "ride", "hybrid", "test drive"],
    topicWords: ["automotive", "vehicle", "driving", "road", "motor"],
    seasonPeakDay: 150, seasonAmplitude: 0.1, imageSensitivity: 0.8,
    likes: {
      colors: { red: 0.5, silver: 0.4, black: 0.4, pink: -0.5, beige: -0.3, olive: -0.4 },
      tones: { dark: 0.4, vivid: 0.2, light: -0.3 },
      objects: { car: 0.6, tree: 0.2, person: -0.2, flower: -0.4, cup: -0.3 },
    },
  },
  sports: {
    products: ["bicycle", "shoe", "bottle"], props: ["person", "sun", "tree"],
    palette: ["orange", "green", "blue", "black", "yellow"],
    productNouns: ["gear", "workout", "trainer", "kit", "session"],
    topicWords: ["fitness", "sport", "training", "running", "athlete"],
    seasonPeakDay: 20, seasonAmplitude: 0.15, imageSensitivity: 1.0,
    likes: {
      colors: { orange: 0.5, green: 0.4, yellow: 0.3, beige: -0.4, gray: -0.4, maroon: -0.4 },
      tones: { vivid: 0.6, muted: -0.5 },
      objects: { person: 0.6, bicycle: 0.4, chair: -0.6, burger: -0.5 },
    },
  },
  home: {
    products: ["chair", "house", "flower"], props: ["dog", "tree", "cup"],
    palette: ["beige", "brown", "olive", "green", "white"],
    productNouns: ["decor", "sofa", "lamp", "interior", "furnishings"],
    topicWords: ["home", "interior", "cozy", "living", "garden"],
    seasonPeakDay: 300, seasonAmplitude: 0.12, imageSensitivity: 1.0,
    likes: {
      colors: { beige: 0.5, green: 0.4, white: 0.3, brown: 0.2, magenta: -0.5, cyan: -0.3, black: -0.4 },
      tones: { warm: 0.4, light: 0.3, dark: -0.5 },
      objects: { dog: 0.7, flower: 0.4, chair: 0.2, car: -0.5, phone: -0.4 },
    },
  },
};

/** Natural colors some classes are often painted in, for believable scenes. */
export const NATURAL_COLORS: Partial<Record<ObjectClass, ColorName[]>> = {
  tree: ["green", "olive", "teal"],
  sun: ["yellow", "gold", "orange"],
  burger: ["brown", "orange", "gold"],
  flower: ["pink", "red", "magenta", "yellow", "purple"],
  dog: ["brown", "beige", "black", "white"],
  person: ["navy", "red", "blue", "gray", "green"],
};
