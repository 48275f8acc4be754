"""Citizen-facing channels; each is listed here once and adds its own routes."""

from channels import web

REGISTRY = (web,)
