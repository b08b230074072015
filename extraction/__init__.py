"""Effect-size extraction: conversions to r, aggregation of dependent effects, the codebook."""
