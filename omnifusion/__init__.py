"""OmniFusion 1.1: vision encoders, adapters, anyres slicing, checkpoints, training and visual retrieval."""
