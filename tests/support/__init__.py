"""What tests share: fakes that speak the real protocols, stubs, and the import contracts' own contract type."""
