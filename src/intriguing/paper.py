"""The paper's own numbers (Szegedy et al. 2014, Tables 1-5), used only as the "paper" column.

Transcribed from the typeset tables (see the book's reference sheet); percentages are in percent,
distortions in the paper's RMS measure sqrt(Σ r² / 784) on [0, 1] pixels.
"""

#: Table 1: training error %, test error %, average minimal distortion (0% accuracy on the training set).
TABLE1 = {
    "FC10(1e-4)": {"train": 6.7, "test": 7.4, "distortion": 0.062},
    "FC10(1e-2)": {"train": 10.0, "test": 9.4, "distortion": 0.1},
    "FC10(1)": {"train": 21.2, "test": 20.0, "distortion": 0.14},
    "FC100-100-10": {"train": 0.0, "test": 1.64, "distortion": 0.058},
    "FC200-200-10": {"train": 0.0, "test": 1.54, "distortion": 0.065},
    "AE400-10": {"train": 0.57, "test": 1.9, "distortion": 0.086},
}

#: Table 2: error % induced on the column model by examples made for the row model.
TABLE2_MODELS = ["FC10(1e-4)", "FC10(1e-2)", "FC10(1)", "FC100-100-10", "FC200-200-10", "AE400-10"]
TABLE2 = {
    "FC10(1e-4)": [100, 11.7, 22.7, 2, 3.9, 2.7],
    "FC10(1e-2)": [87.1, 100, 35.2, 35.9, 27.3, 9.8],
    "FC10(1)": [71.9, 76.2, 100, 48.1, 47, 34.4],
    "FC100-100-10": [28.9, 13.7, 21.1, 100, 6.6, 2],
    "FC200-200-10": [38.2, 14, 23.8, 20.3, 100, 2.7],
    "AE400-10": [23.4, 16, 24.8, 9.4, 6.6, 100],
    "Gaussian noise, stddev=0.1": [5.0, 10.1, 18.3, 0, 0, 0.8],
    "Gaussian noise, stddev=0.3": [15.6, 11.3, 22.7, 5, 4.3, 3.1],
}
TABLE2_DISTORTION = {
    "FC10(1e-4)": 0.062, "FC10(1e-2)": 0.1, "FC10(1)": 0.14, "FC100-100-10": 0.058, "FC200-200-10": 0.065,
    "AE400-10": 0.086, "Gaussian noise, stddev=0.1": 0.1, "Gaussian noise, stddev=0.3": 0.3,
}

#: Table 3: error % on P1, P2 and test, and the minimal average distortion (test set attacked).
TABLE3 = {
    "FC100-100-10/P1": {"P1": 0.0, "P2": 2.4, "test": 2.0, "distortion": 0.062},
    "FC123-456-10/P1": {"P1": 0.0, "P2": 2.5, "test": 2.1, "distortion": 0.059},
    "FC100-100-10'/P2": {"P1": 2.3, "P2": 0.0, "test": 2.1, "distortion": 0.058},
}

#: Table 4: cross-training-set error % (columns in TABLE3's order).
TABLE4 = {
    "Distorted for FC100-100-10 (av. stddev=0.062)": [100, 26.2, 5.9],
    "Distorted for FC123-456-10 (av. stddev=0.059)": [6.25, 100, 5.1],
    "Distorted for FC100-100-10' (av. stddev=0.058)": [8.2, 8.2, 100],
    "Gaussian noise with stddev=0.06": [2.2, 2.6, 2.4],
    "Distorted for FC100-100-10 amplified to stddev=0.1": [100, 98, 43],
    "Distorted for FC123-456-10 amplified to stddev=0.1": [96, 100, 22],
    "Distorted for FC100-100-10' amplified to stddev=0.1": [27, 50, 100],
    "Gaussian noise with stddev=0.1": [2.6, 2.8, 2.7],
}

#: Table 5: upper Lipschitz bound of each rectified layer of the authors' AlexNet.
TABLE5 = [
    ("Conv. 1", "3 × 11 × 11 × 96", 4, 2.75),
    ("Conv. 2", "96 × 5 × 5 × 256", 1, 10.0),
    ("Conv. 3", "256 × 3 × 3 × 384", 1, 7.0),
    ("Conv. 4", "384 × 3 × 3 × 384", 1, 7.5),
    ("Conv. 5", "384 × 3 × 3 × 256", 1, 11.0),
    ("FC. 1", "9216 × 4096", None, 3.12),
    ("FC. 2", "4096 × 4096", None, 4.0),
    ("FC. 3", "4096 × 1000", None, 4.0),
]

#: Sec. 4.2: test error % of a 100-100-10 net with weight decay only, with dropout, with adversarial training.
ADVERSARIAL_TRAINING = {"weight decay": 1.6, "dropout": 1.3, "adversarial pool (upper bound)": 1.2}

#: Fig. 5's caption (AlexNet, every image pushed to "ostrich"): "Average distortion based on 64
#: examples is 0.006508" (the pixel scale is not stated).
FIG5 = {"distortion": 0.006508, "examples": 64}

#: Every claim of the paper, in the paper's order: what the results page lists, one heading each.
#: ``tested_in`` names the chapter that tests the claim here; a claim this book cannot test here has
#: ``not_tested`` = (what it needs, how to test it), and the results page shows it as *not tested*.
CLAIMS = {
    "Sec. 3, Fig. 1": {
        "text": "the images that most excite a single unit of an MNIST network share a semantic property",
        "tested_in": "01_units"},
    "Sec. 3, Fig. 2": {
        "text": "random directions of a layer are as semantically coherent as its single units (MNIST)",
        "tested_in": "02_random_directions"},
    "Sec. 3, Figs. 3-4": {
        "text": "the same on AlexNet, ImageNet validation images",
        "not_tested": ("a pretrained AlexNet and ImageNet validation images (not downloadable here)",
                       "chapter 2 on Colab with IMAGENET_DIR set to a folder of validation images")},
    "Table 1, errors": {
        "text": "training and test errors of the six MNIST models", "tested_in": "00_zoo"},
    "Table 1, distortions": {
        "text": "average minimal distortion that brings each model to 0% accuracy", "tested_in": "03_lbfgs"},
    "Sec. 4.2, every sample": {
        "text": "for every sample an adversarial example exists, very close and visually indistinguishable",
        "tested_in": "03_lbfgs"},
    "Fig. 5": {
        "text": "AlexNet images pushed to “ostrich”; average distortion 0.006508 over 64 examples",
        "not_tested": ("a pretrained AlexNet and ImageNet-style images",
                       "`python -m intriguing.imagenet_route` on a Colab GPU runtime (README, “The ImageNet half”)")},
    "Fig. 6": {
        "text": "QuocNet images recognised as “car” pushed to “not car”",
        "not_tested": ("QuocNet, which was never released",
                       "no route: a substitute network would test another claim")},
    "Fig. 7": {
        "text": "adversarial examples leave 0% accuracy, Gaussian noise of stddev 1 leaves 51%",
        "tested_in": "03_lbfgs"},
    "Table 2": {
        "text": "adversarial examples of one model fool the other models (cross-model generalisation)",
        "tested_in": "04_transfer"},
    "Table 2, noise": {
        "text": "Gaussian noise of stddev 0.1 and 0.3 fools the models far less", "tested_in": "04_transfer"},
    "Table 3": {
        "text": "errors and test-set minimal distortions of the networks trained on the halves P1 and P2",
        "tested_in": "04_transfer"},
    "Table 4": {
        "text": "adversarial examples fool networks trained on a disjoint half of the data, less often",
        "tested_in": "04_transfer"},
    "Sec. 4.2, adversarial training": {
        "text": "training on a refreshed pool of adversarial examples beats weight decay (1.6%) and dropout "
                "(1.3%): below 1.2% test error; per-layer pools are essential, higher layers more useful",
        "tested_in": "06_adversarial_training"},
    "Sec. 4.3, eq. 2": {
        "text": "the operator norm of a convolution layer from the Fourier transform of its kernels",
        "tested_in": "05_lipschitz"},
    "Sec. 4.3, max-pooling": {
        "text": "max-pooling is contractive (Lipschitz constant at most 1)", "tested_in": "05_lipschitz"},
    "Table 5": {
        "text": "upper Lipschitz bounds of the eight layers of the authors' trained AlexNet",
        "not_tested": ("trained AlexNet weights (torchvision's pretrained AlexNet is the nearest: not "
                       "downloadable here)",
                       "`python -m intriguing.imagenet_route` on Colab, or chapter 5 with ALEXNET_WEIGHTS = "
                       "\"torchvision\"")},
    "Sec. 4.3, argument": {
        "text": "instabilities can appear as soon as the first convolutional layer; a small bound would "
                "rule out adversarial examples (a bound, not a proof of their existence)",
        "not_tested": ("a trained convolutional network of the paper's size (the MNIST CNN is a small analogue, "
                       "shown as a measurement)",
                       "chapter 5 on Colab with ALEXNET_WEIGHTS = \"torchvision\"")},
}
