"""nbconvert exporters (placeholder)."""
