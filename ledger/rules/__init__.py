"""Pure rules of money, one module per rule; they import only `schemas/` and each other."""
