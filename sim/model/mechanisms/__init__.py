"""One module per stage of the model's step; each is a few functions over the State arrays."""
