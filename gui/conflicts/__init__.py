"""The conflicts & agreement screen: resolve disagreements (not blinded) and see inter-rater agreement."""
