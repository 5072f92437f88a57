"""Supply-security metrics."""
