"""Convener's database backends: Django's own, with what Convener adds around them."""
