"""addin layer."""
