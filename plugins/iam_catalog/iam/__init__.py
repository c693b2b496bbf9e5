"""IAM policy documents and the merge of several into one: plain JSON data, standard library only."""
