"""Benchmarks for mem0g (run from the repository root; see README "Benchmarks")."""
