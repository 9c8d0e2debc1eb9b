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
