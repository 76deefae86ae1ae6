"""lib.data.shapes (chapter "A CNN with ReLU and dropout"): sizes and types, balance,
seeding, shapes inside the image, bad calls, speed, and a task that a linear model
finds hard but not hopeless."""


import numpy as np
import pytest

from lib import data


@pytest.fixture(scope="module")
def split():
    return data.shapes(1500, seed=0)


@pytest.fixture(scope="module")
def clean():
    return data.shapes(600, noise=0.0, standardize=False, seed=1,
                       classes=("circle", "square", "triangle", "cross"))


def test_sizes_types_and_image_shape(split):
    assert isinstance(split, data.Split)
    assert split.X_train.shape == (1200, 256) and split.X_test.shape == (300, 256)
    assert split.X_train.dtype == np.float64 and split.X_test.dtype == np.float64
    assert split.y_train.dtype == np.int64 and split.y_test.dtype == np.int64
    assert split.n_classes == 3 and split.n_features == 256
    assert split.image_shape == (1, 16, 16)
    assert split.class_names == ("circle", "square", "triangle")
    images = split.images("test")
    assert images.shape == (300, 1, 16, 16)
    np.testing.assert_array_equal(images[7, 0].ravel(), split.X_test[7])
    assert split.images().shape == (1200, 1, 16, 16)


def test_other_sizes_and_classes():
    s = data.shapes(40, size=24, classes=["cross", "circle"], noise=0.0, seed=3)
    assert s.X_train.shape[1] == 24 * 24 and s.image_shape == (1, 24, 24)
    assert s.class_names == ("cross", "circle") and s.n_classes == 2


@pytest.mark.parametrize("n, k", [(1500, 3), (1000, 3), (37, 4), (15, 3)])
def test_classes_are_balanced_in_train_and_test(n, k):
    s = data.shapes(n, classes=data.SHAPES[:k], seed=2)
    test = np.bincount(s.y_test, minlength=k)
    train = np.bincount(s.y_train, minlength=k)
    assert np.all(test == test[0])                      # the same test count per class
    assert test[0] == round(0.2 * (n // k))
    assert train.max() - train.min() <= 1
    assert train.sum() + test.sum() == n


def test_standardised_by_the_training_set(split):
    assert np.allclose(split.X_train.mean(axis=0), 0, atol=1e-12)
    assert np.allclose(split.X_train.std(axis=0), 1, atol=1e-12)
    # the test set is scaled by the training statistics, not its own
    assert not np.allclose(split.X_test.mean(axis=0), 0, atol=1e-3)


def test_seeded():
    a, b = data.shapes(300, seed=5), data.shapes(300, seed=5)
    for x, y in zip((a.X_train, a.y_train, a.X_test, a.y_test),
                    (b.X_train, b.y_train, b.X_test, b.y_test), strict=True):
        np.testing.assert_array_equal(x, y)
    c = data.shapes(300, seed=6)
    assert not np.array_equal(a.X_train, c.X_train)
    assert not np.array_equal(a.y_train, c.y_train)


def test_shapes_stay_inside_the_image_and_are_varied(clean):
    images = np.concatenate([clean.images("train"), clean.images("test")])[:, 0]
    assert images.min() == 0 and images.max() <= 1
    # the outermost rows and columns are never inked; every image has some ink
    border = np.concatenate([images[:, 0], images[:, -1], images[:, :, 0],
                             images[:, :, -1]], axis=1)
    assert np.all(border == 0)
    ink = (images > 0).sum(axis=(1, 2))
    assert ink.min() >= 8
    # positions vary: the centre of the ink moves over several pixels
    rows = np.arange(16)
    cy = (images > 0).sum(axis=2) @ rows / ink
    assert cy.std() > 0.6 and cy.max() - cy.min() > 4
    # outlines and filled shapes both occur: the ink share varies widely
    assert ink.max() > 3 * ink.min()


def test_noise_is_added_with_its_standard_deviation():
    quiet = data.shapes(300, noise=0.0, standardize=False, seed=4)
    noisy = data.shapes(300, noise=0.3, standardize=False, seed=4)
    diff = noisy.X_train - quiet.X_train
    assert diff.std() == pytest.approx(0.3, rel=0.03)
    assert np.array_equal(noisy.y_train, quiet.y_train)


def _centroid_accuracy(s):
    centroids = np.stack([s.X_train[s.y_train == c].mean(axis=0)
                          for c in range(s.n_classes)])
    d = ((s.X_test[:, None, :] - centroids[None]) ** 2).sum(axis=2)
    return (d.argmin(axis=1) == s.y_test).mean()


def _logistic_accuracy(s, epochs=300, lr=0.5, decay=1e-3):
    X, y = s.X_train, s.y_train
    W = np.zeros((X.shape[1], s.n_classes))
    b = np.zeros(s.n_classes)
    onehot = np.eye(s.n_classes)[y]
    for _ in range(epochs):                       # full-batch gradient descent
        z = X @ W + b
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        W -= lr * (X.T @ (p - onehot) / len(y) + decay * W)
        b -= lr * (p - onehot).mean(axis=0)
    train = ((X @ W + b).argmax(axis=1) == y).mean()
    test = ((s.X_test @ W + b).argmax(axis=1) == s.y_test).mean()
    return train, test


def test_a_linear_model_beats_chance_but_is_far_from_perfect(split):
    # the task needs more than a template per class: the shapes move, change size
    # and are filled or not (measured at seed 0: nearest centroid 0.74; logistic
    # regression 0.85, 0.995 on its training set); turned, they are harder still
    # (0.65 and 0.66)
    centroid = _centroid_accuracy(split)
    train_acc, test_acc = _logistic_accuracy(split)
    assert 0.40 < centroid < 0.85, centroid
    assert 0.40 < test_acc < 0.92, test_acc
    turned = data.shapes(1500, seed=0, rotate=True)
    assert _centroid_accuracy(turned) < centroid
    assert _logistic_accuracy(turned)[1] < test_acc - 0.1


def _filled(rotate):
    s = data.shapes(300, noise=0.0, standardize=False, fill=1.0, seed=2, rotate=rotate,
                    classes=("square", "circle", "triangle"))
    return s, np.concatenate([s.images("train"), s.images("test")])[:, 0], \
        np.concatenate([s.y_train, s.y_test])


def _fills_its_box(image):
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    box = (rows[-1] - rows[0] + 1) * (cols[-1] - cols[0] + 1)
    return (image > 0).sum() == box


def test_upright_by_default_turned_with_rotate():
    upright, images, labels = _filled(False)
    turned, turned_images, turned_labels = _filled(True)
    np.testing.assert_array_equal(labels, turned_labels)
    # a filled upright square is a rectangle of pixels; turned ones mostly are not
    squares = labels == 0
    assert all(_fills_its_box(im) for im in images[squares])
    assert np.mean([_fills_its_box(im) for im in turned_images[squares]]) < 0.3
    # an upright triangle stands on its base: its widest ink row is its lowest one
    for im in images[labels == 2]:
        width = (im > 0).sum(axis=1)
        assert width[np.flatnonzero(width)[-1]] == width.max()
    # the angle is the only difference: circles are the same pixels either way
    circles = labels == 1
    np.testing.assert_array_equal(images[circles], turned_images[circles])


@pytest.mark.parametrize("kwargs, arg", [
    ({"n": 5}, "n"),                                   # 2 per class at least
    ({"n": 7, "classes": data.SHAPES}, "n"),
    ({"n": 0}, "n"),
    ({"n": 10**7}, "n"),
    ({"n": 300.5}, "n"),
    ({"size": 7}, "size"),
    ({"size": 16.0}, "size"),
    ({"classes": ("circle", "hexagon")}, "classes"),
    ({"classes": ("circle",)}, "classes"),
    ({"classes": ("circle", "circle")}, "classes"),
    ({"classes": "circle"}, "classes"),
    ({"noise": -0.1}, "noise"),
    ({"noise": float("nan")}, "noise"),
    ({"seed": -1}, "seed"),
    ({"test_fraction": 0.0}, "test_fraction"),
    ({"test_fraction": 1.0}, "test_fraction"),
    ({"n": 12, "test_fraction": 0.05}, "test_fraction"),   # no test image per class
    ({"fill": 1.5}, "fill"),
    ({"standardize": 1}, "standardize"),
    ({"rotate": "yes"}, "rotate"),
    ({"n": 200_000, "size": 128}, "n"),
])
def test_bad_calls_are_refused_by_name(kwargs, arg):
    with pytest.raises((ValueError, TypeError), match=arg):
        data.shapes(**{"n": 300, **kwargs})


def test_digits_have_their_image_shape_and_subsets_keep_it():
    d = data.digits()
    assert d.image_shape == (1, 8, 8) and d.class_names is None
    assert d.images("test").shape == (d.y_test.size, 1, 8, 8)
    s = data.shapes(300, seed=0)
    for part in (data.subset(s, 30), data.validation(s, 30)):
        assert part.image_shape == (1, 16, 16) and part.class_names == s.class_names
    with pytest.raises(ValueError, match="part"):
        d.images("val")
