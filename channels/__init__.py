"""Citizen-facing channels; each is listed here once and adds its own routes."""

from channels import facebook, sms, web, whatsapp

REGISTRY = (web, sms, facebook, whatsapp)
