"""The scene detector's classes: server/verbalize/vocabulary.ts OBJECT_CLASSES, in the same order
(the heatmap channel index is the class id). tests/test_detector*.py checks the two agree."""
OBJECT_CLASSES = (
    "person",
    "bottle",
    "cup",
    "car",
    "shoe",
    "phone",
    "laptop",
    "tree",
    "sun",
    "house",
    "dog",
    "bag",
    "watch",
    "plane",
    "bicycle",
    "chair",
    "flower",
    "burger",
)
CLASS_IDS = {name: index for index, name in enumerate(OBJECT_CLASSES)}
