"""Citizen-facing channels; each is listed here once and adds its own routes."""

from channels import sms, web

REGISTRY = (web, sms)
