"""Shared helpers of the book "ReLU and Dropout".

Every chapter imports from the modules of this package; each module holds one idea
(see CONTRIBUTING.md). Importing ``lib`` itself does nothing: no torch, no plotting, no
seeding. Import the module you need, e.g. ``from lib import activations``.
"""

__version__ = "0.1.0"
