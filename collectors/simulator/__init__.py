"""collectors/simulator."""
