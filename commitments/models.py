"""Contracts with their TOM commitments and the Partner VCFSE commitment (built in later issues)."""
