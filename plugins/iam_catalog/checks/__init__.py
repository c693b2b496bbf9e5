"""Every rule a catalog must keep beyond its schema, and the loader that applies them all."""
