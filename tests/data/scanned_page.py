"""Render a page as a scanner would: grey, slightly turned, speckled, saved as an image-only PDF."""

import sys

import numpy as np
from PIL import Image, ImageFilter

source, target = sys.argv[1], sys.argv[2]
page = Image.open(source).convert("L")
page = page.crop((0, 0, page.width, int(page.height * float(sys.argv[3]))))
page = page.rotate(0.6, resample=Image.BICUBIC, fillcolor=255, expand=False)
rng = np.random.default_rng(7)
pixels = np.asarray(page, dtype=np.float32)
pixels = pixels * 0.92 + 12 + rng.normal(0, 9, pixels.shape)
specks = rng.random(pixels.shape) < 0.0008
pixels[specks] = 40
page = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.5))
page.save(target, "PDF", resolution=150.0, quality=55)
