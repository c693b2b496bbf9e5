"""print-iam: a reader's request answered from the compiled catalog, in the formats pipelines read."""
