"""Ciphers and key derivation behind the services' cipher port."""
